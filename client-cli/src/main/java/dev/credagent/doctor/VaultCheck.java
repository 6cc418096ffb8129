package dev.credagent.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The vault as the running daemon reports it: there, unlocked, and no source failing. What it
 * holds (credentials and sources) is kept for {@link DockerCheck}, which warns of a registry docker
 * sends elsewhere though credagent holds it.
 */
public final class VaultCheck implements Check {
  /** The daemon's answers: {@code list} and {@code source_list}. */
  public interface Daemon {
    JsonNode list() throws IOException;

    JsonNode sources() throws IOException;
  }

  private final JsonNode status;
  private final Daemon daemon;
  private final Set<String> held = new TreeSet<>();

  /** {@code status}: the daemon's status answer, or null where none runs (then nothing is checked). */
  public VaultCheck(JsonNode status, Daemon daemon) {
    this.status = status;
    this.daemon = daemon;
  }

  @Override
  public List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    if (status == null) {
      return findings;
    }
    if ("absent".equals(status.path("vault").asText())) {
      return List.of(Finding.fault("vault: none yet: run `credagent unlock` to create it"));
    }
    if (status.path("locked").asBoolean()) {
      return List.of(Finding.fault("vault: locked: run `credagent unlock`"));
    }
    findings.add(Finding.ok("vault: unlocked, " + status.path("credentials").asInt() + " credential(s)"));
    try {
      daemon.list().path("credentials").fieldNames().forEachRemaining(held::add);
    } catch (IOException e) {
      findings.add(Finding.fault("vault: cannot list: " + e.getMessage()));
    }
    try {
      JsonNode sources = daemon.sources();
      sources.path("sources").fieldNames().forEachRemaining(held::add);
      sources.path("failing").fields().forEachRemaining(failing -> findings.add(Finding.fault("source: "
          + failing.getKey() + ": its last run failed (" + failing.getValue().asText() + "): fix it, or `credagent"
          + " source remove " + failing.getKey() + "`")));
    } catch (IOException e) {
      findings.add(Finding.fault("sources: cannot list: " + e.getMessage()));
    }
    return findings;
  }

  /** The servers and sources the vault holds, once {@link #run} has run (empty when locked or not running). */
  public Set<String> held() {
    return held;
  }
}
