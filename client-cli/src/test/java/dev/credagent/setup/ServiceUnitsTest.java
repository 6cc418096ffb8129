package dev.credagent.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.credagent.files.AgentPaths;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

class ServiceUnitsTest {
  @TempDir Path dir;

  @Test
  void theSystemdUnitsAsSetupWritesThemPassSystemdAnalyzeVerify() throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(analyze), "needs systemd-analyze (Debian's systemd package)");
    Path launcher = Files.writeString(dir.resolve("credagent"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(dir.resolve("credagent.socket"), ServiceManager.template("credagent.socket"));
    Files.writeString(dir.resolve("credagent.service"), ServiceManager.Systemd.service(launcher));
    assertTrue(Files.readString(dir.resolve("credagent.service")).contains("\nExecStart=" + launcher + " daemon\n"));

    Process verify = new ProcessBuilder(analyze.toString(), "verify",
        dir.resolve("credagent.socket").toString(), dir.resolve("credagent.service").toString())
        .redirectErrorStream(true).start();
    String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, verify.waitFor(), out);
    assertEquals("", out.strip());
  }

  @Test
  void theSocketUnitListensWhereTheDaemonAndTheHelperLook() throws Exception {
    String socket = ServiceManager.template("credagent.socket");
    assertTrue(socket.contains("\nListenStream=%t/credagent/agent.sock\n"), socket);
    assertTrue(socket.contains("\nSocketMode=0600\n") && socket.contains("\nDirectoryMode=0700\n"), socket);
    // %t is $XDG_RUNTIME_DIR for a user manager.
    assertEquals(Path.of("/run/user/1000/credagent/agent.sock"),
        AgentPaths.fromEnvironment(Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "HOME", "/h"), 1000).socket());
  }

  @Test
  void theLaunchAgentParsesAndRunsTheInstalledLauncherAtLoad() throws Exception {
    Path launcher = Path.of("/Users/me/.local/lib/credagent/credagent-jvm");
    for (String plist : List.of(ServiceManager.template("dev.credagent.agent.plist"),
        ServiceManager.Launchd.plist(launcher, Path.of("/Users/me")))) {
      Element dict = (Element) parse(plist).getElementsByTagName("dict").item(0);
      Map<String, Node> keys = entries(dict);
      assertEquals("dev.credagent.agent", keys.get("Label").getTextContent());
      assertEquals("true", keys.get("RunAtLoad").getNodeName());
      List<String> argv = new ArrayList<>();
      Node array = keys.get("ProgramArguments");
      for (Node n = array.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          argv.add(e.getTextContent());
        }
      }
      assertEquals("daemon", argv.get(1));
      if (plist.contains(launcher.toString())) {
        assertEquals(launcher.toString(), argv.get(0));
        assertEquals("/Users/me/Library/Logs/credagent.log", keys.get("StandardErrorPath").getTextContent());
      }
    }
  }

  private static org.w3c.dom.Document parse(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  /** A plist dict's key → the element after it. */
  private static Map<String, Node> entries(Element dict) {
    Map<String, Node> entries = new java.util.HashMap<>();
    String key = null;
    for (Node n = dict.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (!(n instanceof Element e)) {
        continue;
      }
      if (e.getTagName().equals("key")) {
        key = e.getTextContent();
      } else if (key != null) {
        entries.put(key, e);
        key = null;
      }
    }
    return entries;
  }
}
