package dev.credagent.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.AgentClient;
import dev.credagent.client.AgentErrorException;
import dev.credagent.client.ClientRequest;
import dev.credagent.failure.ErrorCode;
import dev.credagent.protocol.Op;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Puts what a source yielded into the vault, through the daemon: a credential the vault already
 * holds unchanged is left alone (so a second import changes nothing), a different one is kept
 * unless {@code overwrite}, and every entry is reported, never with its secret.
 */
public final class Importer {
  public enum Outcome { IMPORTED, UNCHANGED, SKIPPED }

  /** One line of the report. */
  public record Line(String server, Outcome outcome, String detail) {
    @Override
    public String toString() {
      return switch (outcome) {
        case IMPORTED -> "imported  " + server + " (" + detail + ")";
        case UNCHANGED -> "unchanged " + server + " (" + detail + "): the vault holds it already";
        case SKIPPED -> "skipped   " + server + ": " + detail;
      };
    }
  }

  private final AgentClient agent;
  private final boolean overwrite;
  private final boolean dryRun;

  public Importer(AgentClient agent, boolean overwrite, boolean dryRun) {
    this.agent = agent;
    this.overwrite = overwrite;
    this.dryRun = dryRun;
  }

  public List<Line> apply(Harvest harvest) throws IOException {
    List<Line> report = new ArrayList<>();
    for (Found found : harvest.found()) {
      report.add(apply(found));
    }
    harvest.skipped().forEach(s -> report.add(new Line(s.server(), Outcome.SKIPPED, s.why())));
    return report;
  }

  private Line apply(Found found) throws IOException {
    if (found.username().isEmpty()) {
      return new Line(found.server(), Outcome.SKIPPED, "no username");
    }
    JsonNode held = held(found.server());
    if (held != null && held.path("username").asText().equals(found.username()) && sameSecret(held, found.secret())) {
      return new Line(found.server(), Outcome.UNCHANGED, found.username());
    }
    if (held != null && !overwrite) {
      return new Line(found.server(), Outcome.SKIPPED, "the vault holds a different credential for it ("
          + held.path("username").asText() + "); --overwrite replaces it");
    }
    if (!dryRun) {
      agent.call(ClientRequest.op(Op.STORE).with("server", found.server()).with("username", found.username())
          .withSecret("secret", found.secret().clone()));
    }
    return new Line(found.server(), Outcome.IMPORTED, found.username());
  }

  private JsonNode held(String server) throws IOException {
    try {
      return agent.call(ClientRequest.op(Op.GET).with("server", server));
    } catch (AgentErrorException e) {
      if (ErrorCode.fromWire(e.code()) == ErrorCode.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private static boolean sameSecret(JsonNode held, char[] secret) {
    byte[] a = held.path("secret").asText().getBytes(StandardCharsets.UTF_8);
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
    byte[] b = new byte[encoded.remaining()];
    encoded.get(b);
    try {
      return MessageDigest.isEqual(a, b); // constant time
    } finally {
      Arrays.fill(a, (byte) 0);
      Arrays.fill(b, (byte) 0);
      Arrays.fill(encoded.array(), (byte) 0);
    }
  }
}
