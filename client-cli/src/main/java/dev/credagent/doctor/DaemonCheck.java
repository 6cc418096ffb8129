package dev.credagent.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentUnavailableException;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Op;
import java.io.IOException;
import java.util.List;

/**
 * The daemon: running as the user on its socket (the client checks the socket's owner and the
 * peer's uid before it sends a byte), or not running, which is fine: it starts at the first
 * request. Its status answer is kept for {@link VaultCheck}; the daemon's answers are its too.
 */
public final class DaemonCheck implements Check, VaultCheck.Daemon {
  private final AgentPaths paths;
  private JsonNode status;
  /** The socket the daemon answered on: the vault's recorded one where ours had nobody. */
  private java.nio.file.Path answered;

  public DaemonCheck(AgentPaths paths) {
    this.paths = paths;
  }

  @Override
  public List<Finding> run() {
    try {
      status = call(Op.STATUS);
      String where = answered.toAbsolutePath().equals(paths.socket().toAbsolutePath()) ? answered.toString()
          : answered + " (recorded in the vault home; this session's own socket would be " + paths.socket() + ")";
      return List.of(Finding.ok("daemon: running as you (pid " + status.path("pid").asLong() + ") on " + where),
          profile());
    } catch (AgentUnavailableException notRunning) {
      return List.of(Finding.ok("daemon: not running; it starts at the first request (" + paths.socket() + ")"));
    } catch (IOException e) {
      return List.of(Finding.fault("daemon: " + e.getMessage()));
    }
  }

  /**
   * Which profile this directory (or CREDAGENT_PROFILE) selects, and why: where docker run from
   * here gets its logins. A locked vault cannot tell (the bindings are in it); an unknown
   * CREDAGENT_PROFILE is a fault, as every request from here would fail.
   */
  private Finding profile() {
    try (AgentClient client = AgentClient.connect(paths)) {
      JsonNode which = client.call(ClientRequest.op(Op.PROFILE_WHICH)
          .at(System.getProperty("user.dir"), System.getenv("CREDAGENT_PROFILE")));
      return Finding.ok("profile: " + which.path("profile").asText() + " here (" + which.path("why").asText() + ")");
    } catch (dev.credagent.client.AgentErrorException e) {
      return "locked".equals(e.code()) ? Finding.ok("profile: unknown while the vault is locked (the bindings are in it)")
          : Finding.fault("profile: " + e.getMessage());
    } catch (IOException e) {
      return Finding.fault("profile: " + e.getMessage());
    }
  }

  /** Its status answer, once {@link #run} has run; null where none came. */
  public JsonNode status() {
    return status;
  }

  @Override
  public JsonNode list() throws IOException {
    return call(Op.LIST);
  }

  @Override
  public JsonNode sources() throws IOException {
    return call(Op.SOURCE_LIST);
  }

  private JsonNode call(Op op) throws IOException {
    try (AgentClient client = AgentClient.connect(paths)) {
      answered = client.socket();
      return client.call(ClientRequest.op(op));
    }
  }
}
