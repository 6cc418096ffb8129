package dev.credagent.version;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This build's version, as Maven stamped it, and the commit it was built from. */
public final class AgentVersion {
  public static final String VALUE = load("version.properties", "version");
  /** The git commit (12 hex digits), or "unknown" for a build outside a checkout. */
  public static final String COMMIT = load("commit.properties", "commit");

  private AgentVersion() {}

  /** "0.2.0 (commit 0123456789ab)", for {@code --version}. */
  public static String describe() {
    return VALUE + " (commit " + COMMIT + ")";
  }

  private static String load(String resource, String key) {
    try (InputStream in = AgentVersion.class.getResourceAsStream(resource)) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      String value = properties.getProperty(key, "unknown").strip();
      return value.isEmpty() ? "unknown" : value;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
