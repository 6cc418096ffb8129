package dev.credagent.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This build's version, as Maven stamped it. */
public final class AgentVersion {
  public static final String VALUE = load();

  private AgentVersion() {}

  private static String load() {
    try (InputStream in = AgentVersion.class.getResourceAsStream("version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
