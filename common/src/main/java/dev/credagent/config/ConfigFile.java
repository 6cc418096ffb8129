package dev.credagent.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code config.toml}: the flat part of TOML that a handful of settings needs, {@code key =
 * "value"} or {@code key = 123}, with {@code #} comments. Anything else (a table, an unknown key,
 * a key twice, a bad value) is an error that names the file and the line. Written here rather than
 * taken from a TOML library: see docs/design.md.
 */
final class ConfigFile {
  static final List<String> KEYS = List.of("idle-ttl", "max-ttl", "audit-max-size", "erased-ttl", "pinentry");
  private static final Pattern LINE =
      Pattern.compile("([A-Za-z0-9_-]+)\\s*=\\s*(?:\"([^\"\\\\]*)\"|([0-9]+))\\s*(?:#.*)?");

  private ConfigFile() {}

  static AgentConfig parse(String name, String text) throws ConfigException {
    Duration idle = AgentConfig.DEFAULTS.idleTtl();
    Duration max = AgentConfig.DEFAULTS.maxTtl();
    long auditMax = AgentConfig.DEFAULTS.auditMaxBytes();
    Duration erased = AgentConfig.DEFAULTS.erasedTtl();
    String pinentry = AgentConfig.DEFAULTS.pinentry();
    Set<String> seen = new HashSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = name + " line " + (i + 1) + ": ";
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new ConfigException(where + "expected key = \"value\" (for example idle-ttl = \"1h\")");
      }
      String key = m.group(1);
      String value = m.group(2) != null ? m.group(2) : m.group(3);
      if (!KEYS.contains(key)) {
        throw new ConfigException(where + "unknown key '" + key + "'; the keys are " + String.join(", ", KEYS));
      }
      if (!seen.add(key)) {
        throw new ConfigException(where + "'" + key + "' is set twice");
      }
      try {
        switch (key) {
          case "idle-ttl" -> idle = Durations.parse(value, null);
          case "max-ttl" -> max = Durations.parse(value, null);
          case "erased-ttl" -> erased = Durations.parse(value, null);
          case "pinentry" -> pinentry = pinentry(value);
          default -> auditMax = positive(Sizes.parse(value));
        }
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new ConfigException(where + key + ": " + (e.getMessage() != null ? e.getMessage() : "a value is needed"));
      }
    }
    return new AgentConfig(idle, max, auditMax, erased, pinentry);
  }

  private static String pinentry(String value) {
    if (!value.equals("auto") && !value.equals("off") && !value.startsWith("/")) {
      throw new IllegalArgumentException("\"auto\", \"off\" or a pinentry program's absolute path");
    }
    return value;
  }

  private static long positive(long size) {
    if (size < 4096) {
      throw new IllegalArgumentException("at least 4KiB, so that a line fits");
    }
    return size;
  }
}
