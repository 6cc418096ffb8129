package dev.credagent.prompt;

import dev.credagent.process.ProcessGroup;
import dev.credagent.vault.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A pinentry program, spoken to as gpg-agent does (Assuan over its stdin and stdout:
 * {@code OPTION ttyname}, {@code SETDESC}, {@code SETPROMPT}, {@code GETPIN}, {@code SETERROR}
 * after a wrong one), on the terminal or the display of whoever asked. Which program: the setting
 * {@code pinentry} in config.toml, {@code auto} (for a display, the first of pinentry-gtk-2,
 * pinentry-gtk2, pinentry-qt and pinentry-gnome3 on PATH; for a terminal, the first of
 * pinentry-tty, pinentry-curses and pinentry), {@code off}, or a path.
 *
 * <p>The program runs in a process group of its own ({@link ProcessGroup}), with the requester's
 * display variables and none of the daemon's. When its question is given up (no answer in time, or
 * the requester's connection closed: Ctrl-C at the prompt) the whole group is killed at once and
 * the terminal's modes are put back as they were before it ({@link TerminalModes}): a killed
 * pinentry-tty left the shell with echo off, and while it lived it read the next line typed.
 */
public final class Pinentry {
  /** How long one question may stay open on the terminal. */
  public static final Duration ANSWER_WITHIN = Duration.ofSeconds(60);
  private static final List<String> AUTO = List.of("pinentry-tty", "pinentry-curses", "pinentry");
  private static final List<String> AUTO_GRAPHICAL = List.of("pinentry-gtk-2", "pinentry-gtk2", "pinentry-qt", "pinentry-gnome3");

  /**
   * Where a question is asked: the requester's terminal (checked to be its own, or null), its
   * display ({@link DisplaySession#NONE} for none); and when the requester went away (null: never).
   */
  public record Place(String tty, DisplaySession display, java.util.concurrent.CompletionStage<?> gone) {
    public Place {
      display = display == null ? DisplaySession.NONE : display;
    }

    public static Place terminal(String tty) {
      return new Place(tty, DisplaySession.NONE, null);
    }

    /** What logs call it. */
    public String name() {
      return display.isEmpty() ? tty : display.name();
    }

    /**
     * What its quiet time is kept under: the terminal, or the display as {@link DisplaySession#key}
     * says (one display however its DISPLAY is spelled), its Wayland name resolved in {@code runtimeDir}.
     */
    public String key(Path runtimeDir) {
      return display.isEmpty() ? tty : display.key(runtimeDir);
    }
  }
  private static final int MAX_LINE = 4096;

  private final Path program;
  private final Duration answerWithin;

  private Pinentry(Path program) {
    this(program, ANSWER_WITHIN);
  }

  private Pinentry(Path program, Duration answerWithin) {
    this.program = program;
    this.answerWithin = answerWithin;
  }

  /** The program that is run (which one "auto" found). */
  public Path program() {
    return program;
  }

  /** The same program with another bound on a question (tests: a bound that is not a minute). */
  Pinentry answeringWithin(Duration bound) {
    return new Pinentry(program, bound);
  }

  /** The terminal pinentry the setting names, where it is there to run; empty for {@code off} or none found. */
  public static Optional<Pinentry> of(String setting, String path) {
    return of(setting, path, false);
  }

  /**
   * The pinentry the setting names for a display ({@code graphical}) or a terminal, where it is
   * there to run; empty for {@code off} or none found. A path is the same program for both.
   */
  public static Optional<Pinentry> of(String setting, String path, boolean graphical) {
    if (setting == null || setting.equals("off")) {
      return Optional.empty();
    }
    if (!setting.equals("auto")) {
      Path given = Path.of(setting);
      return Files.isExecutable(given) ? Optional.of(new Pinentry(given)) : Optional.empty();
    }
    for (String name : graphical ? AUTO_GRAPHICAL : AUTO) {
      for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(new Pinentry(candidate));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code tty} is a terminal the user {@code uid} may be asked on: a pseudo-terminal or a
   * virtual console, a character device that belongs to that user (what a helper says is never
   * taken on trust).
   */
  public static boolean usableTerminal(String tty, int uid) {
    try {
      Path path = Path.of(tty);
      if (!tty.matches("/dev/(pts/[0-9]{1,6}|tty[0-9]{1,3})")) { // a terminal, never /dev/tty (the daemon's own)
        return false;
      }
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      return (mode & 0170000) == 0020000 && owner == uid;
    } catch (IOException | RuntimeException notOne) {
      return false;
    }
  }

  /** One question on {@code tty}: the secret typed, or null when it was cancelled or timed out. */
  public Secret ask(String tty, String description, String prompt, String error) throws IOException, InterruptedException {
    return ask(Place.terminal(tty), description, prompt, error);
  }

  /**
   * One question at {@code place}: the secret typed, or null when it was cancelled, timed out, or
   * the requester went away meanwhile (then the pinentry is gone within the moment it takes to die).
   */
  public Secret ask(Place place, String description, String prompt, String error) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(ProcessGroup.command(program, List.of(program.toString())))
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    // The requester's display, never the daemon's own (a daemon started from a desktop has one).
    builder.environment().keySet().removeAll(DisplaySession.VARIABLES);
    builder.environment().putAll(place.display().environment(Path.of(System.getProperty("user.home"))));
    TerminalModes modes = TerminalModes.save(place.tty());
    Process process = builder.start();
    java.util.concurrent.atomic.AtomicBoolean givenUp = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable giveUp = () -> {
      if (givenUp.compareAndSet(false, true)) {
        ProcessGroup.kill(process); // the question goes away, and so does the read
      }
    };
    // The whole conversation is bounded, not only GETPIN: a pinentry that never sent its greeting or
    // never answered an OPTION held the prompt, and every later request's prompt, for ever. What it
    // started goes too: a child holding its stdout would keep the read waiting past its end.
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(answerWithin);
        giveUp.run();
      } catch (InterruptedException answered) {
        // in time
      }
    });
    if (place.gone() != null) {
      place.gone().thenRun(giveUp); // Ctrl-C at the prompt: nobody is left to answer
    }
    try (OutputStream to = process.getOutputStream(); InputStream from = process.getInputStream()) {
      expectOk(from);
      // pinentry-tty writes these to the terminal as they are: a caller's program name with ESC
      // sequences in it retitled the window and cleared the screen. Shown as `log` shows text.
      List<String> commands = new ArrayList<>();
      if (place.tty() != null) {
        commands.addAll(List.of("OPTION ttyname=" + place.tty(), "OPTION ttytype=" + terminalType()));
      }
      if (!place.display().isEmpty()) {
        commands.add("SETTITLE " + TITLE);
      }
      commands.addAll(List.of("SETDESC " + escape(TerminalText.escape(description)), "SETPROMPT " + escape(TerminalText.escape(prompt))));
      if (error != null) {
        commands.add("SETERROR " + escape(TerminalText.escape(error)));
      }
      for (String command : commands) {
        send(to, command);
        expectOk(from);
      }
      send(to, "GETPIN");
      byte[] line = readLine(from); // as bytes: the answer never becomes a String
      try {
        if (line == null || line.length < 2 || line[0] != 'D' || line[1] != ' ') {
          return null; // ERR: cancelled (or an empty answer: OK alone)
        }
        return Secret.adopt(unescape(line, 2));
      } finally {
        if (line != null) {
          Arrays.fill(line, (byte) 0);
        }
      }
    } catch (IOException ended) {
      if (givenUp.get()) {
        return null; // killed mid-conversation: given up, not a failure of the program
      }
      throw ended;
    } finally {
      watchdog.interrupt();
      ProcessGroup.kill(process);
      process.waitFor(5, TimeUnit.SECONDS);
      if (givenUp.get() && modes != null) {
        modes.restore(); // killed with echo off: the terminal is given back as it was
      }
    }
  }

  /** The title of a graphical prompt's window (what a person, and a test's xdotool, finds it by). */
  public static final String TITLE = "credagent";

  private static String terminalType() {
    String term = System.getenv("TERM");
    return term == null || term.isBlank() ? "xterm" : term;
  }

  private static void send(OutputStream to, String command) throws IOException {
    to.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    to.flush();
  }

  private static void expectOk(InputStream from) throws IOException {
    String line;
    do {
      byte[] bytes = readLine(from);
      if (bytes == null) {
        throw new IOException("the pinentry program ended the conversation");
      }
      line = new String(bytes, StandardCharsets.UTF_8);
    } while (line.startsWith("#") || line.startsWith("S "));
    if (!line.startsWith("OK")) {
      throw new IOException("the pinentry program refused: " + line.replaceAll("[^ -~]", "?"));
    }
  }

  /** One line without its newline, at most MAX_LINE bytes; null at the end. */
  private static byte[] readLine(InputStream from) throws IOException {
    byte[] line = new byte[MAX_LINE];
    int n = 0;
    int b;
    while ((b = from.read()) >= 0 && b != '\n') {
      if (n == MAX_LINE) {
        Arrays.fill(line, (byte) 0);
        throw new IOException("the pinentry program sent a line longer than " + MAX_LINE + " bytes");
      }
      line[n++] = (byte) b;
    }
    if (b < 0 && n == 0) {
      return null;
    }
    byte[] exact = Arrays.copyOf(line, n);
    Arrays.fill(line, (byte) 0);
    return exact;
  }

  /** Assuan's escaping of a parameter: %, CR and LF as %XX. */
  static String escape(String text) {
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
  }

  /** The D line's data from {@code start}, %XX decoded, as characters (UTF-8); the bytes are wiped. */
  static char[] unescape(byte[] line, int start) {
    byte[] bytes = new byte[line.length];
    int n = 0;
    for (int i = start; i < line.length; i++) {
      if (line[i] == '%' && i + 2 < line.length) {
        bytes[n++] = (byte) Integer.parseInt(new String(line, i + 1, 2, StandardCharsets.US_ASCII), 16);
        i += 2;
      } else {
        bytes[n++] = line[i];
      }
    }
    CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, n));
    char[] out = Arrays.copyOf(chars.array(), chars.limit());
    Arrays.fill(chars.array(), '\0');
    Arrays.fill(bytes, (byte) 0);
    return out;
  }
}
