package dev.credagent.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.HelperInstall;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One daemon serves a vault home, whatever socket a client computes: rootless podman runs its
 * helpers with XDG_RUNTIME_DIR=/tmp/podman-run-UID, so a helper computed another socket, started a
 * second daemon on the same vault, and the two lost each other's stores.
 */
class OneDaemonPerHomeIT {
  @Test
  void aClientOnAnotherSocketReachesTheHomesDaemonAndASecondDaemonRefusesToStart() throws Exception {
    try (AgentEnvironment agent = new AgentEnvironment()) {
      HelperInstall.into(agent);
      agent.unlock("pw");
      Path first = agent.socket();
      Path elsewhere = Files.createDirectory(agent.root().resolve("podman-run"),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      // As podman runs its helpers: another XDG_RUNTIME_DIR, so another computed socket. (Not
      // CREDAGENT_SOCKET: a socket named there is the only one used, as it may be a share's.)
      agent.env().remove("CREDAGENT_SOCKET");
      agent.env().put("XDG_RUNTIME_DIR", elsewhere.toString());

      // The helper, as podman runs it: stores into the one daemon (no second one starts).
      HelperInstall.helper(agent, "store", "{\"ServerURL\":\"b1.example\",\"Username\":\"u\",\"Secret\":\"s\"}")
          .requireSuccess();
      assertTrue(HelperInstall.helper(agent, "get", "b1.example").requireSuccess().stdout().contains("\"Secret\":\"s\""));
      // And the CLI, from a shell where XDG_RUNTIME_DIR differed, sees the same vault.
      Run status = agent.credagent("", "status").requireSuccess();
      assertTrue(status.stdout().contains(first.toString()), status.stdout());
      agent.credagent("s\n", "store", "b2.example", "-u", "u").requireSuccess();
      assertTrue(Files.notExists(elsewhere.resolve("credagent/agent.sock")), "no second daemon was started");

      // A second daemon on the same home refuses, naming the one that serves it.
      Run second = agent.run(List.of(AgentEnvironment.launcher().toString(), "daemon"), "");
      assertEquals(1, second.exitCode(), second.stderr());
      assertTrue(second.stderr().contains("already serves the vault in " + agent.home())
          && second.stderr().contains(first.toString()), second.stderr());

      agent.env().put("CREDAGENT_SOCKET", first.toString());
      String list = agent.credagent("", "list").requireSuccess().stdout();
      assertTrue(list.contains("b1.example") && list.contains("b2.example"), list);
    }
  }
}
