package dev.credagent.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretTest {
  @Test
  void toStringNeverShowsTheContent() {
    assertEquals("Secret[redacted]", TestKdf.secret("hunter2").toString());
    assertFalse(new Credential("u", TestKdf.secret("hunter2")).toString().contains("hunter2"));
  }

  @Test
  void destroyWipesTheCharactersItAdopted() {
    char[] chars = "hunter2".toCharArray();
    Secret secret = Secret.adopt(chars);
    secret.destroy();
    assertArrayEquals(new char[7], chars);
    assertTrue(secret.isDestroyed());
    assertThrows(Secret.DestroyedSecretException.class, secret::copy);
  }

  @Test
  void copiesAreIndependentOfTheOriginal() {
    Secret original = TestKdf.secret("s3cret");
    Secret copy = original.copy();
    original.destroy();
    assertArrayEquals("s3cret".toCharArray(), copy.toChars());
  }

  @Test
  void utf8CoversCharactersOutsideTheBmp() {
    assertArrayEquals("pä😀".getBytes(StandardCharsets.UTF_8), TestKdf.secret("pä😀").toUtf8());
  }

  @Test
  void contentEqualsComparesContentOnly() {
    assertTrue(TestKdf.secret("same").contentEquals(TestKdf.secret("same")));
    assertFalse(TestKdf.secret("same").contentEquals(TestKdf.secret("samE")));
    assertFalse(TestKdf.secret("same").contentEquals(TestKdf.secret("same ")));
  }
}
