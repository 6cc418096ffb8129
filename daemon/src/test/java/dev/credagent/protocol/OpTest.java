package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class OpTest {
  /** Names that carry a secret: such a field left undeclared would be parsed into a String. */
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(pass|secret|token|key|password|credential).*");

  @Test
  void everyFieldNamedLikeASecretIsDeclaredSecret() {
    for (Op op : Op.values()) {
      for (String field : op.fields()) {
        assertTrue(!SECRET_NAME.matcher(field).matches(),
            "op '" + op.wire() + "' takes '" + field + "' as a plain string: declare it in secretFields");
      }
      for (String field : op.secretFields()) {
        assertTrue(Op.SECRET_FIELDS.contains(field), field);
      }
    }
  }

  @Test
  void opsAreFoundByTheirWireNameAndListed() {
    for (Op op : Op.values()) {
      assertTrue(Op.named(op.wire()).orElseThrow() == op);
      assertTrue(Op.known().contains(op.wire()));
    }
    assertTrue(Op.named("frobnicate").isEmpty());
  }
}
