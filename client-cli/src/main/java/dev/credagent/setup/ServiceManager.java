package dev.credagent.setup;

import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.DurableFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The platform's service manager, where one runs for this user: systemd's user manager (the
 * socket unit, so the daemon starts on the first connection) or macOS's launchd (a LaunchAgent
 * that starts it at login). Elsewhere nothing is installed and the daemon starts on demand.
 */
public abstract sealed class ServiceManager {
  /** A line of what was done (or, for a dry run, would be). */
  public abstract List<String> install(Path launcher, boolean dryRun) throws IOException, InterruptedException;

  public abstract List<String> uninstall(boolean dryRun) throws IOException, InterruptedException;

  /** Whether the units are installed and enabled, for {@code doctor}. */
  public abstract boolean installed();

  public abstract String name();

  public static ServiceManager detect(Map<String, String> env) {
    String os = System.getProperty("os.name", "");
    if (os.startsWith("Mac")) {
      return new Launchd(env);
    }
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && Files.exists(Path.of(runtime, "systemd", "private"))) {
      return new Systemd(env);
    }
    return new None();
  }

  static String template(String name) throws IOException {
    try (InputStream in = ServiceManager.class.getResourceAsStream("units/" + name)) {
      if (in == null) {
        throw new IOException("the " + name + " template is missing from this build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Runs systemctl or launchctl, 60 s at most. Its output goes to a temp file rather than a pipe
   * we would read until it closes, which a command that hangs with its output open never does.
   */
  static void run(List<String> command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("credagent-setup-", ".out");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        byte[] said;
        try (InputStream in = Files.newInputStream(output)) {
          said = in.readNBytes(64 * 1024);
        }
        throw new IOException(String.join(" ", command) + " failed: " + new String(said, StandardCharsets.UTF_8).strip());
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** systemd's user manager: units in {@code $XDG_CONFIG_HOME/systemd/user}. */
  public static final class Systemd extends ServiceManager {
    public static final List<String> UNITS = List.of("credagent.socket", "credagent.service");
    private final Path dir;

    Systemd(Map<String, String> env) {
      this.dir = AgentPaths.configHome(env).resolve("systemd/user");
    }

    /** The service unit with {@code launcher} in its ExecStart. */
    public static String service(Path launcher) throws IOException {
      return template("credagent.service").replace("ExecStart=%h/.local/lib/credagent/credagent-jvm daemon",
          "ExecStart=" + launcher + " daemon");
    }

    @Override
    public List<String> install(Path launcher, boolean dryRun) throws IOException, InterruptedException {
      List<String> done = new ArrayList<>();
      done.add("install " + dir.resolve("credagent.socket") + " and credagent.service, and enable the socket"
          + " (systemctl --user enable --now credagent.socket)");
      if (!dryRun) {
        Files.createDirectories(dir);
        DurableFile.replace(dir.resolve("credagent.socket"), template("credagent.socket").getBytes(StandardCharsets.UTF_8));
        DurableFile.replace(dir.resolve("credagent.service"), service(launcher).getBytes(StandardCharsets.UTF_8));
        run(List.of("systemctl", "--user", "daemon-reload"));
        run(List.of("systemctl", "--user", "enable", "--now", "credagent.socket"));
      }
      return done;
    }

    @Override
    public List<String> uninstall(boolean dryRun) throws IOException, InterruptedException {
      if (!Files.exists(dir.resolve("credagent.socket"))) {
        return List.of();
      }
      if (!dryRun) {
        run(List.of("systemctl", "--user", "disable", "--now", "credagent.socket", "credagent.service"));
        for (String unit : UNITS) {
          Files.deleteIfExists(dir.resolve(unit));
        }
        run(List.of("systemctl", "--user", "daemon-reload"));
      }
      return List.of("disable and remove " + dir.resolve("credagent.socket") + " and credagent.service");
    }

    @Override
    public boolean installed() {
      return Files.exists(dir.resolve("credagent.socket"))
          && Files.exists(dir.resolve("sockets.target.wants/credagent.socket"));
    }

    @Override
    public String name() {
      return "systemd (user)";
    }
  }

  /** launchd: a LaunchAgent in {@code ~/Library/LaunchAgents}. */
  public static final class Launchd extends ServiceManager {
    static final String LABEL = "dev.credagent.agent";
    private final Path plist;
    private final Path home;

    Launchd(Map<String, String> env) {
      home = Path.of(AgentPaths.userHome(env));
      plist = home.resolve("Library/LaunchAgents/" + LABEL + ".plist");
    }

    /** The plist with {@code launcher} and a log under ~/Library/Logs. */
    public static String plist(Path launcher, Path home) throws IOException {
      return template(LABEL + ".plist")
          .replace("<string>/usr/local/lib/credagent/credagent-jvm</string>", "<string>" + xml(launcher.toString()) + "</string>")
          .replace("<string>/tmp/credagent.launchd.log</string>",
              "<string>" + xml(home.resolve("Library/Logs/credagent.log").toString()) + "</string>");
    }

    private static String xml(String text) {
      return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String domain() {
      return "gui/" + CurrentUser.uid();
    }

    @Override
    public List<String> install(Path launcher, boolean dryRun) throws IOException, InterruptedException {
      if (!dryRun) {
        Files.createDirectories(plist.getParent());
        DurableFile.replace(plist, plist(launcher, home).getBytes(StandardCharsets.UTF_8));
        try {
          run(List.of("launchctl", "bootout", domain() + "/" + LABEL)); // an older copy
        } catch (IOException notLoaded) {
          // Not loaded: the usual case.
        }
        run(List.of("launchctl", "bootstrap", domain(), plist.toString()));
      }
      return List.of("install " + plist + " and load it (launchctl bootstrap " + domain() + ")");
    }

    @Override
    public List<String> uninstall(boolean dryRun) throws IOException, InterruptedException {
      if (!Files.exists(plist)) {
        return List.of();
      }
      if (!dryRun) {
        try {
          run(List.of("launchctl", "bootout", domain() + "/" + LABEL));
        } catch (IOException notLoaded) {
          // Already unloaded.
        }
        Files.delete(plist);
      }
      return List.of("unload and remove " + plist);
    }

    @Override
    public boolean installed() {
      return Files.exists(plist);
    }

    @Override
    public String name() {
      return "launchd";
    }
  }

  /** No service manager for this user: the daemon starts on demand, as before. */
  public static final class None extends ServiceManager {
    @Override
    public List<String> install(Path launcher, boolean dryRun) {
      return List.of("no systemd user manager or launchd here: the daemon starts on demand, at the first request");
    }

    @Override
    public List<String> uninstall(boolean dryRun) {
      return List.of();
    }

    @Override
    public boolean installed() {
      return false;
    }

    @Override
    public String name() {
      return "none (started on demand)";
    }
  }
}
