package dev.credagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.failure.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldsTest {
  private static Request request(Map<String, String> fields) {
    return new Request(1, "x", fields, Map.of());
  }

  private static void refused(String why, ThrowingRead read) {
    ProtocolException e = assertThrows(ProtocolException.class, read::run);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @FunctionalInterface
  private interface ThrowingRead {
    void run() throws Exception;
  }

  @Test
  void aFlagIsTrueOnlyWhenItSaysTrue() {
    assertTrue(Fields.flag(request(Map.of("purge", "true")), "purge"));
    assertFalse(Fields.flag(request(Map.of("purge", "yes")), "purge"));
    assertFalse(Fields.flag(request(Map.of()), "purge"));
  }

  @Test
  void aShareIsNeverWiderThanItsPatternsSay() throws Exception {
    assertEquals(List.of(), Fields.sharePatterns(request(Map.of())), "no field: every registry");
    assertEquals(List.of("ghcr.io/a", "quay.io"), Fields.sharePatterns(request(Map.of("registries", "ghcr.io/a\n quay.io "))));
    refused("must not be blank", () -> Fields.sharePatterns(request(Map.of("registries", "ghcr.io/a\n"))));
    refused("must not be blank", () -> Fields.sharePatterns(request(Map.of("registries", ""))));
    refused("absolute path", () -> Fields.shareSocket(request(Map.of("socket", "share.sock"))));
    assertEquals(Path.of("/run/s.sock"), Fields.shareSocket(request(Map.of("socket", "/run/s.sock"))));
    assertNull(Fields.shareSocket(request(Map.of())));
  }

  @Test
  void valuesAreCheckedWhereTheyAreRead() throws Exception {
    refused("passphrase, login or recovery", () -> Fields.slot(request(Map.of("slot", "root"))));
    refused("key slot's number", () -> Fields.slotIndex(request(Map.of("index", "1; rm"))));
    refused("NAME=VALUE", () -> Fields.source(request(Map.of("exec", "/bin/echo x", "env", "=x"))));
    refused("either an exec command or a helper", () -> Fields.source(request(Map.of())));
    refused("must not be empty", () -> Fields.nonEmpty(request(Map.of("username", "")), "username"));
    refused("not a registry name", () -> Fields.registry(Fields.reference(request(Map.of("registry", "reg:"))),
        request(Map.of())));
    refused("registry pattern", () -> Fields.key(request(Map.of("pattern", "true")), "https://x/*"));
    assertEquals("ghcr.io/my-org", Fields.key(request(Map.of("pattern", "true")), "GHCR.io/My-Org/"));
    assertEquals(Duration.ofMinutes(30), Fields.duration(request(Map.of("ttl", "30m")), "ttl", null));
    refused("", () -> Fields.duration(request(Map.of("ttl", "soon")), "ttl", null));
    assertEquals(List.of("repository:a:pull", "repository:b:push"),
        Fields.scopes(request(Map.of("scope", " repository:a:pull  repository:b:push"))));
  }
}
