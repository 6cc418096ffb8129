package dev.credagent.it.terminal;

import dev.credagent.it.HelperInstall;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.it.AgentEnvironment;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 30, item 1: an IDE or a launcher runs {@code docker pull} with no terminal; a locked vault
 * asks on the requester's display, as gpg-agent does. A real Xvfb, Debian's pinentry-gtk-2 picked
 * by {@code pinentry = "auto"}, a helper started with no controlling terminal (setsid), and the
 * passphrase typed into the window with xdotool. And where the display is not the user's own, or
 * the request comes through a share, no window: the get answers locked at once.
 */
class GraphicalPinentryIT {
  private static final Path XVFB = Path.of("/usr/bin/Xvfb");
  private static final Path XDOTOOL = Path.of("/usr/bin/xdotool");
  private static final Path PINENTRY = Path.of("/usr/bin/pinentry-gtk-2");
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final int NOBODY = 65534;

  private Process xvfb;
  private String display;

  @BeforeEach
  void startXvfb() throws Exception {
    assumeTrue(Files.isExecutable(XVFB) && Files.isExecutable(XDOTOOL) && Files.isExecutable(PINENTRY),
        "needs xvfb, xdotool and pinentry-gtk2");
    // -displayfd: Xvfb picks a free display itself and says which (other tests run an Xvfb too).
    xvfb = new ProcessBuilder(XVFB.toString(), "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "800x600x24")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String number = readLine(xvfb.getInputStream());
    assertTrue(number.matches("[0-9]+"), "Xvfb said no display: " + number);
    display = ":" + number;
  }

  @AfterEach
  void stopXvfb() throws Exception {
    if (xvfb != null) {
      xvfb.destroy();
      xvfb.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLockedGetWithNoTerminalAsksOnTheRequestersDisplay() throws Exception {
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      Path cookie = ownCookie(agent);
      Process get = helperGetWithoutTerminal(agent, Map.of("DISPLAY", display, "XAUTHORITY", cookie.toString()));
      String window = waitForWindow(30);
      assertFalse(window.isEmpty(), "no pinentry window appeared on " + display + "; daemon log:\n" + agent.readLog());
      typeInto(window, "the passphrase");
      assertTrue(get.waitFor(30, TimeUnit.SECONDS), "the get never ended");
      String out = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, get.exitValue(), out);
      assertTrue(out.contains("\"Username\":\"alice\"") && out.contains("\"Secret\":\"s3cret\""), out);
      assertTrue(agent.credagent("", "status").requireSuccess().stdout().contains("vault:   unlocked"));
    }
  }

  /**
   * The native credagent relays the same attributes, and the JVM CLI sends them as the get's
   * optional fields (protocol 1): `credagent get` from a launcher asks on the display too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"bin/credagent", "lib/credagent/credagent-jvm"})
  void credagentGetWithNoTerminalAsksOnTheDisplayToo(String program) throws Exception {
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      Path cookie = ownCookie(agent);
      Process get = withoutTerminal(agent, Map.of("DISPLAY", display, "XAUTHORITY", cookie.toString()),
          AgentEnvironment.dist().resolve(program).toString(), "get", "reg.example:5000");
      String window = waitForWindow(30);
      assertFalse(window.isEmpty(), "no pinentry window appeared; daemon log:\n" + agent.readLog());
      typeInto(window, "the passphrase");
      assertTrue(get.waitFor(30, TimeUnit.SECONDS), "the get never ended");
      String out = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, get.exitValue(), out);
      assertTrue(out.contains("s3cret"), out);
    }
  }

  @Test
  void aCookieFileOfAnotherUidGetsNoPrompt() throws Exception {
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      Path cookie = ownCookie(agent);
      Files.setAttribute(cookie, "unix:uid", NOBODY);
      assertLockedWithoutAWindow(agent, Map.of("DISPLAY", display, "XAUTHORITY", cookie.toString()));
      assertTrue(agent.readLog().contains("belongs to uid " + NOBODY), agent.readLog());

      Path writable = ownCookie(agent, "cookie-022");
      Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rw-rw-rw-"));
      assertLockedWithoutAWindow(agent, Map.of("DISPLAY", display, "XAUTHORITY", writable.toString()));
      assertTrue(agent.readLog().contains("is writable by group or others"), agent.readLog());
    }
  }

  /** A display whose socket another uid owns (its server is theirs): never a window there. */
  @Test
  void aDisplayOfAnotherUidGetsNoPrompt() throws Exception {
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      Path cookie = ownCookie(agent);
      int number = 900 + (int) (ProcessHandle.current().pid() % 90);
      Path sockets = Path.of("/tmp/.X11-unix");
      while (Files.exists(sockets.resolve("X" + number)) || Files.exists(Path.of("/tmp/.X" + number + "-lock"))) {
        number++;
      }
      Path socket = sockets.resolve("X" + number);
      try (ServerSocketChannel theirs = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        theirs.bind(UnixDomainSocketAddress.of(socket));
        Files.setAttribute(socket, "unix:uid", NOBODY);
        assertLockedWithoutAWindow(agent, Map.of("DISPLAY", ":" + number, "XAUTHORITY", cookie.toString()));
        assertTrue(agent.readLog().contains(socket + " belongs to uid " + NOBODY), agent.readLog());
      } finally {
        Files.deleteIfExists(socket);
      }
      assertLockedWithoutAWindow(agent, Map.of("DISPLAY", "localhost:10.0", "XAUTHORITY", cookie.toString()));
      assertTrue(agent.readLog().contains("is not a local display"), agent.readLog());
    }
  }

  /**
   * Adversarial pass, F1: pinentry's libxcb connects to the abstract {@code @/tmp/.X11-unix/XN}
   * before the file socket, and any uid may bind that name (the user's server runs with
   * {@code -nolisten local}, or died and left its file). Here the file socket is the user's own and
   * uid 65534 listens on the abstract name: no pinentry, the get answers locked.
   */
  @Test
  void anAbstractXSocketOfAnotherUidGetsNoPrompt() throws Exception {
    Path setpriv = Path.of("/usr/bin/setpriv");
    Path socat = Path.of("/usr/bin/socat");
    assumeTrue(Files.isExecutable(setpriv) && Files.isExecutable(socat)
        && "root".equals(System.getProperty("user.name")), "a listener of another uid's needs root, setpriv and socat");
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      Path cookie = ownCookie(agent);
      Path sockets = Path.of("/tmp/.X11-unix");
      int number = 950 + (int) (ProcessHandle.current().pid() % 40);
      while (Files.exists(sockets.resolve("X" + number)) || Files.exists(Path.of("/tmp/.X" + number + "-lock"))
          || listening("@" + sockets.resolve("X" + number))) {
        number++;
      }
      Path socket = sockets.resolve("X" + number);
      Process theirs = null;
      try (ServerSocketChannel own = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        own.bind(UnixDomainSocketAddress.of(socket)); // the file socket: the user's (root's here) own
        theirs = new ProcessBuilder(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
            socat.toString(), "ABSTRACT-LISTEN:" + socket + ",fork", "EXEC:/bin/cat")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening("@" + socket) && System.nanoTime() < deadline) {
          Thread.sleep(25); // socat binding its name
        }
        assertTrue(listening("@" + socket), "socat never listened on @" + socket);
        assertLockedWithoutAWindow(agent, Map.of("DISPLAY", ":" + number, "XAUTHORITY", cookie.toString()));
        assertTrue(agent.readLog().contains("the abstract socket @" + socket + " is listened on by uid " + NOBODY), agent.readLog());
        assertFalse(agent.readLog().contains("prompt on display :" + number), "a pinentry was started on :" + number
            + " (it connected to uid " + NOBODY + "'s listener):\n" + agent.readLog());
      } finally {
        if (theirs != null) {
          theirs.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(socket);
      }
    }
  }

  /** Whether a unix socket of this name ({@code @} for an abstract one) listens, as /proc/net/unix lists it. */
  private static boolean listening(String name) throws IOException {
    return Files.readAllLines(Path.of("/proc/net/unix")).stream().anyMatch(line -> line.endsWith(" " + name));
  }

  @Test
  void throughAShareNoPromptOnAnyDisplay() throws Exception {
    try (AgentEnvironment agent = lockedAgentWithALogin()) {
      agent.unlock("the passphrase");
      Path share = Path.of(agent.credagent("", "share", "--print-path").requireSuccess().stdout().strip());
      agent.credagent("", "lock").requireSuccess();
      Path cookie = ownCookie(agent);
      Map<String, String> env = Map.of("DISPLAY", display, "XAUTHORITY", cookie.toString(),
          "CREDAGENT_SOCKET", share.toString(), "CREDAGENT_AUTOSTART", "0");
      assertLockedWithoutAWindow(agent, env);
    }
  }

  private static AgentEnvironment lockedAgentWithALogin() throws Exception {
    AgentEnvironment agent = new AgentEnvironment();
    HelperInstall.into(agent);
    agent.unlock("the passphrase");
    agent.credagent("s3cret\n", "store", "reg.example:5000", "-u", "alice").requireSuccess();
    agent.credagent("", "lock").requireSuccess();
    return agent;
  }

  private static Path ownCookie(AgentEnvironment agent) throws IOException {
    return ownCookie(agent, "Xauthority");
  }

  /** An empty cookie file of the user's, 0600: Xvfb here asks for no cookie, but the rule asks for the file. */
  private static Path ownCookie(AgentEnvironment agent, String name) throws IOException {
    Path cookie = agent.root().resolve(name);
    Files.deleteIfExists(cookie);
    Files.createFile(cookie, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    return cookie;
  }

  /** No window within the time a prompt takes to show, and the get answered locked well before a prompt's minute. */
  private void assertLockedWithoutAWindow(AgentEnvironment agent, Map<String, String> env) throws Exception {
    long started = System.nanoTime();
    Process get = helperGetWithoutTerminal(agent, env);
    assertTrue(get.waitFor(20, TimeUnit.SECONDS), "the get waited (for a prompt?)");
    String out = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(out.contains("locked"), "answered locked: " + out);
    assertEquals("", waitForWindow(1), "a pinentry window appeared");
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20));
  }

  /** {@code docker-credential-agent get} as an IDE starts it: no controlling terminal, stdin a pipe. */
  private static Process helperGetWithoutTerminal(AgentEnvironment agent, Map<String, String> display) throws IOException {
    return withoutTerminal(agent, display, HelperInstall.installed(agent).toString(), "get");
  }

  private static Process withoutTerminal(AgentEnvironment agent, Map<String, String> display, String... command) throws IOException {
    Path input = agent.root().resolve("get-input");
    Files.writeString(input, "reg.example:5000\n");
    List<String> argv = new ArrayList<>(List.of(SETSID.toString(), "-w"));
    argv.addAll(List.of(command));
    ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(input.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeAll(List.of("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_SESSION_TYPE",
        "DBUS_SESSION_BUS_ADDRESS"));
    builder.environment().putAll(agent.env());
    builder.environment().putAll(display);
    return builder.start();
  }

  /** The id of the window titled credagent on our display, or "" when none appeared within {@code seconds}. */
  private String waitForWindow(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    do {
      String found = xdotool("search", "--name", "credagent").strip();
      if (!found.isEmpty()) {
        return found.lines().findFirst().orElseThrow();
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return "";
  }

  /**
   * Types {@code text} and Return into {@code window} once it has the keyboard's focus: xdotool
   * types into whichever window has it, and a window just mapped on a loaded machine may not have
   * it yet (the keystrokes went nowhere, and the get waited out its bound). No window manager runs
   * on Xvfb, so the focus is set here, and read back until it holds (10 s at most).
   */
  private void typeInto(String window, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!xdotool("getwindowfocus").strip().equals(window) && System.nanoTime() < deadline) {
      xdotool("windowfocus", window);
      Thread.sleep(100);
    }
    xdotool("type", "--delay", "30", text);
    xdotool("key", "Return");
  }

  private String xdotool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(XDOTOOL.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("DISPLAY", display);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(10, TimeUnit.SECONDS), "xdotool hung");
    return out;
  }

  private static String readLine(java.io.InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int b;
    while (System.nanoTime() < deadline && (b = in.read()) >= 0 && b != '\n') {
      line.append((char) b);
    }
    return line.toString().strip();
  }
}
