package dev.credagent.files;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one user's agent keeps its socket and its home (vault, log), from the environment.
 *
 * <p>Socket: {@code $CREDAGENT_SOCKET}, else {@code $XDG_RUNTIME_DIR/credagent/agent.sock} (a
 * per-login tmpfs on systemd machines), else {@code $TMPDIR/credagent-UID/agent.sock}, like tmux's
 * {@code /tmp/tmux-UID}: on macOS {@code $TMPDIR} is already per-user. Home: {@code
 * $CREDAGENT_HOME}, else {@code $XDG_DATA_HOME/credagent}, else {@code ~/.local/share/credagent}.
 */
public record AgentPaths(Path home, Path socket) {
  public static final String SOCKET_FILE = "agent.sock";
  public static final String VAULT_FILE = "vault";
  public static final String LOG_FILE = "daemon.log";

  public static AgentPaths fromEnvironment() {
    return fromEnvironment(System.getenv(), CurrentUser.uid());
  }

  public static AgentPaths fromEnvironment(Map<String, String> env, int uid) {
    return new AgentPaths(home(env), socket(env, uid));
  }

  public Path vault() {
    return home.resolve(VAULT_FILE);
  }

  public Path log() {
    return home.resolve(LOG_FILE);
  }

  private static Path home(Map<String, String> env) {
    String explicit = nonEmpty(env.get("CREDAGENT_HOME"));
    if (explicit != null) {
      return Path.of(explicit).toAbsolutePath();
    }
    String dataHome = nonEmpty(env.get("XDG_DATA_HOME"));
    if (dataHome != null) {
      return Path.of(dataHome, "credagent").toAbsolutePath();
    }
    return Path.of(userHome(env), ".local", "share", "credagent");
  }

  private static Path socket(Map<String, String> env, int uid) {
    String explicit = nonEmpty(env.get("CREDAGENT_SOCKET"));
    if (explicit != null) {
      return Path.of(explicit).toAbsolutePath();
    }
    String runtimeDir = nonEmpty(env.get("XDG_RUNTIME_DIR"));
    if (runtimeDir != null) {
      return Path.of(runtimeDir, "credagent", SOCKET_FILE).toAbsolutePath();
    }
    String tmp = nonEmpty(env.get("TMPDIR"));
    return Path.of(tmp != null ? tmp : "/tmp", "credagent-" + uid, SOCKET_FILE).toAbsolutePath();
  }

  /** {@code $HOME}, else the JVM's idea of it: where ~/.docker, ~/.config and the rest are. */
  public static String userHome(Map<String, String> env) {
    String home = nonEmpty(env.get("HOME"));
    return home != null ? home : System.getProperty("user.home");
  }

  /** {@code $XDG_CONFIG_HOME}, else {@code ~/.config}: where config.toml and systemd's user units go. */
  public static Path configHome(Map<String, String> env) {
    String explicit = nonEmpty(env.get("XDG_CONFIG_HOME"));
    return explicit != null ? Path.of(explicit).toAbsolutePath() : Path.of(userHome(env), ".config");
  }

  private static String nonEmpty(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
