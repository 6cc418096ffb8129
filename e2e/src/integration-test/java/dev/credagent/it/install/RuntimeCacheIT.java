package dev.credagent.it.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * install.sh keeps the runtime make-runtime made in the build tree (.mvn/runtime-cache) and copies
 * it into the next install of the same build and JDK. What it copies is what was kept, whole, or
 * nothing: an entry damaged since, or one an install left half-written, is never installed. A
 * runtime here is a few small files standing for the real one (the real round trip is
 * ReinstallIT's), so that these cases cost no jlink.
 */
class RuntimeCacheIT {
  private static final Path SCRIPT = Path.of("..", ".mvn", "runtime-cache").toAbsolutePath().normalize();
  private static final String JDK = System.getProperty("java.home");

  private AgentEnvironment agent;
  private Path made;
  private Path cache;

  @BeforeEach
  void setUp() throws Exception {
    agent = new AgentEnvironment();
    made = lib("made");
    Files.createDirectories(made.resolve("runtime/bin"));
    Files.writeString(made.resolve("runtime/bin/java"), "the runtime's java\n");
    Files.writeString(made.resolve("runtime/release"), "JAVA_VERSION=\"25\"\n");
    cache = agent.root().resolve("runtime-cache");
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
  }

  @Test
  void aKeptRuntimeIsCopiedWholeIntoTheNextInstall() throws Exception {
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    Path next = lib("next");

    script("get", cache.toString(), key, next.toString()).requireSuccess();

    assertEquals("the runtime's java\n", Files.readString(next.resolve("runtime/bin/java")));
    assertEquals("JAVA_VERSION=\"25\"\n", Files.readString(next.resolve("runtime/release")));
    assertEquals(Files.readString(made.resolve("jars/credagent-daemon.jar")), Files.readString(next.resolve("jars/credagent-daemon.jar")));
  }

  @Test
  void anotherJarIsAnotherKeyAndItsEntryReplacesTheOld() throws Exception {
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    Path rebuilt = lib("rebuilt");
    Files.writeString(rebuilt.resolve("jars/credagent-daemon.jar"), "a changed build\n");

    String other = key(rebuilt);
    assertNotEquals(key, other);
    assertNotEquals(0, script("get", cache.toString(), other, rebuilt.toString()).exitCode());
    script("put", cache.toString(), other, made.toString()).requireSuccess();
    try (Stream<Path> entries = Files.list(cache)) {
      assertEquals(List.of(other), entries.map(p -> p.getFileName().toString()).toList(), "one entry, the newest");
    }
  }

  @Test
  void aDamagedEntryIsRemovedAndNeverCopied() throws Exception {
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    Files.writeString(cache.resolve(key).resolve("runtime/bin/java"), "changed since\n");
    Path next = lib("next");

    Run get = script("get", cache.toString(), key, next.toString());

    assertNotEquals(0, get.exitCode());
    assertTrue(get.stderr().contains("damaged"), get.stderr());
    assertTrue(Files.notExists(next.resolve("runtime")), "nothing of it was copied");
    assertTrue(Files.notExists(cache.resolve(key)), "and it is gone: the install makes its runtime again and keeps that");
  }

  @Test
  void anEntryMissingAFileOrWithAnExtraOneIsDamagedToo() throws Exception {
    String key = key(made);
    for (String change : List.of("rm runtime/release", "touch runtime/planted")) {
      script("put", cache.toString(), key, made.toString()).requireSuccess();
      agent.run(List.of("sh", "-c", "cd \"$0\" && " + change, cache.resolve(key).toString()), "").requireSuccess();

      assertNotEquals(0, script("get", cache.toString(), key, lib("next-" + change.length()).toString()).exitCode(), change);
      assertTrue(Files.notExists(cache.resolve(key)), change);
    }
  }

  /**
   * A link in an entry was copied as a link by cp -R, to wherever it points (here a file and a
   * directory outside the cache), and counted by neither the manifest, whose check follows links,
   * nor the count of files: an install, or a package built from it, would have carried it.
   */
  @Test
  void anEntryWithALinkIsDamagedAndTheLinkNeverCopied() throws Exception {
    Files.writeString(agent.root().resolve("outside"), "not the runtime's\n");
    String key = key(made);
    for (String change : List.of("ln -s \"$1/outside\" runtime/bin/planted", "ln -s \"$1\" runtime/conf",
        "ln -s ../../../../outside runtime/bin/relative", "ln -s ../bin runtime/conf")) {
      script("put", cache.toString(), key, made.toString()).requireSuccess();
      agent.run(List.of("sh", "-c", "cd \"$0\" && " + change, cache.resolve(key).toString(), agent.root().toString()), "")
          .requireSuccess();
      Path next = lib("next-" + change.length());

      assertNotEquals(0, script("get", cache.toString(), key, next.toString()).exitCode(), change);
      assertTrue(Files.notExists(next.resolve("runtime"), java.nio.file.LinkOption.NOFOLLOW_LINKS), change);
      assertTrue(Files.exists(next.resolve("jars/credagent-daemon.jar")), "the install's own jars stay, for make-runtime");
      assertTrue(Files.notExists(cache.resolve(key)), change);
    }
  }

  /** The links jlink makes (one legal notice for every module) are kept as links, as a fresh runtime has them. */
  @Test
  void aRuntimesOwnLinksAreCopiedAsLinks() throws Exception {
    Files.createDirectories(made.resolve("runtime/legal/java.base"));
    Files.writeString(made.resolve("runtime/legal/java.base/LICENSE"), "the licence\n");
    Files.createDirectories(made.resolve("runtime/legal/java.logging"));
    Files.createSymbolicLink(made.resolve("runtime/legal/java.logging/LICENSE"), Path.of("../java.base/LICENSE"));
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    Path next = lib("next");

    script("get", cache.toString(), key, next.toString()).requireSuccess();
    assertEquals(Path.of("../java.base/LICENSE"), Files.readSymbolicLink(next.resolve("runtime/legal/java.logging/LICENSE")));
    assertEquals("the licence\n", Files.readString(next.resolve("runtime/legal/java.logging/LICENSE")));
  }

  /**
   * What another user may have written is not installed, though its checksums hold: they could
   * have written the manifest too, or change a file between the check and the copy. A file others
   * may write stands for it here (the tests' user may not be able to give a file away).
   */
  @Test
  void anEntryOthersMayWriteIsNeverCopied() throws Exception {
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    agent.run(List.of("chmod", "o+w", cache.resolve(key).resolve("runtime/bin/java").toString()), "").requireSuccess();
    Path next = lib("next");

    assertNotEquals(0, script("get", cache.toString(), key, next.toString()).exitCode());
    assertTrue(Files.notExists(next.resolve("runtime")), "nothing of it was copied");
  }

  /** Root, which can: an entry another user owns is not installed either. */
  @Test
  void anEntryAnotherUserOwnsIsNeverCopied() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file away");
    String key = key(made);
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    agent.run(List.of("chown", "-R", "65534", cache.resolve(key).toString()), "").requireSuccess();
    Path next = lib("next");

    assertNotEquals(0, script("get", cache.toString(), key, next.toString()).exitCode());
    assertTrue(Files.notExists(next.resolve("runtime")), "nothing of it was copied");
  }

  /** A user whose umask lets their group write still has a cache: what is kept is theirs alone. */
  @Test
  void aRuntimeKeptUnderAGroupWritableUmaskIsStillCopied() throws Exception {
    agent.run(List.of("chmod", "-R", "g+w", made.toString()), "").requireSuccess();
    String key = key(made);
    agent.run(List.of("sh", "-c", "umask 002 && exec \"$0\" put \"$1\" \"$2\" \"$3\"", SCRIPT.toString(), cache.toString(), key,
        made.toString()), "").requireSuccess();
    Path next = lib("next");

    script("get", cache.toString(), key, next.toString()).requireSuccess();
    assertEquals("the runtime's java\n", Files.readString(next.resolve("runtime/bin/java")));
  }

  @Test
  void anEntryThatAnInstallLeftHalfWrittenIsNeverAsked() throws Exception {
    String key = key(made);
    // What a killed put leaves: its entry under a temporary name, never renamed to the key.
    Path partial = Files.createDirectories(cache.resolve(".entry.abc123/runtime/bin"));
    Files.writeString(partial.resolve("java"), "half\n");

    assertNotEquals(0, script("get", cache.toString(), key, lib("next").toString()).exitCode());
    script("put", cache.toString(), key, made.toString()).requireSuccess();
    assertTrue(Files.exists(cache.resolve(".entry.abc123")), "another install's entry in the making is left alone");
  }

  @Test
  void aWrongUseIsAUsageError() throws Exception {
    Run run = script("get", cache.toString());
    assertEquals(2, run.exitCode());
    assertTrue(run.stderr().startsWith("usage: runtime-cache"), run.stderr());
  }

  /** A LIB as install.sh has it when make-runtime is due: jars/ only. */
  private Path lib(String name) throws Exception {
    Path lib = Files.createDirectories(agent.root().resolve(name).resolve("jars"));
    Files.writeString(lib.resolve("credagent-daemon.jar"), "the daemon's jar\n");
    return lib.getParent();
  }

  private String key(Path lib) throws Exception {
    return script("key", JDK, lib.toString()).requireSuccess().stdout().strip();
  }

  private Run script(String... args) throws Exception {
    return agent.run(Stream.concat(Stream.of(SCRIPT.toString()), Stream.of(args)).toList(), "");
  }
}
