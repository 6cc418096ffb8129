package dev.credagent.audit;

import dev.credagent.registry.RegistryReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.credagent.caller.Caller;
import dev.credagent.service.CredentialService;
import dev.credagent.service.TestClock;
import dev.credagent.config.AgentConfig;
import dev.credagent.vault.Credential;
import dev.credagent.vault.TestKdf;
import dev.credagent.vault.Vault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path home;

  @Test
  void everyCredentialRequestIsALineWithTheCallersProgramAndNoSecret() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    CredentialService service = new CredentialService(new Vault(home.resolve("vault"), TestKdf.CHEAP), new TestClock(),
        Runnable::run, Runnable::run, Runnable::run, null, () -> AgentConfig.DEFAULTS,
        new AuditLog(file, 1 << 20, new TestClock()));
    Caller me = new Caller(1000, ProcessHandle.current().pid()); // this JVM: its executable is known
    service.get(me, RegistryReference.parse("r.example")).exceptionally(e -> null).join(); // locked
    service.unlock(me, TestKdf.secret("pw")).join();
    service.store(me, "r.example", new Credential("alice", TestKdf.secret("hunter2-SECRET"))).join();
    service.get(me, RegistryReference.parse("r.example")).join().secret().destroy();
    service.get(me, RegistryReference.parse("absent.example")).exceptionally(e -> null).join();
    service.lock(me);

    String text = Files.readString(file);
    assertFalse(text.contains("hunter2-SECRET"), text);
    List<JsonNode> lines = text.lines().map(AuditLogTest::json).toList();
    assertEquals(List.of("get", "unlock", "store", "get", "get", "lock"), lines.stream().map(l -> l.path("op").asText()).toList());
    assertEquals(List.of("locked", "ok", "ok", "ok", "not_found", "ok"), lines.stream().map(l -> l.path("outcome").asText()).toList());
    JsonNode read = lines.get(3);
    assertEquals("r.example", read.path("server").asText());
    assertEquals(ProcessHandle.current().pid(), read.path("pid").asLong());
    assertEquals(ProcessHandle.current().info().command().orElseThrow(), read.path("exe").asText());
    assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), read.path("ppid").asLong());
    assertEquals("2026-11-23T09:00:00Z", read.path("time").asText());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  /**
   * The line's bytes are exactly what a fresh Jackson generator writes for the same fields, line
   * after line (the log reuses one generator: no separator crept in between lines, no state left
   * from the line before), for names with quotes, backslashes, control characters, U+2028,
   * characters outside the BMP, a lone surrogate and the replacement character that invalid UTF-8
   * in a /proc link becomes; and each parses back to what was recorded.
   */
  @Test
  void linesAreJacksonsBytesForHostileNamesAndParseBack() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    List<String> names = List.of("/usr/bin/docker", "/tmp/a\"b\\c", "/tmp/\u0000\u0001\n\r\t\u001f\u007f",
        "/tmp/\u2028\u2029</script>", "/tmp/\uD83D\uDE00-\u00e9", "/tmp/lone\uD800", "/tmp/\uFFFD\uFFFD.bin", "");
    List<String> expected = new java.util.ArrayList<>();
    try (AuditLog log = new AuditLog(file, 1 << 20, new TestClock())) {
      for (String name : names) {
        CallerProcess caller = new CallerProcess(42, name, 7, name + "-parent");
        log.record("get", name + ".example", caller, "ok");
        log.record("store", null, caller, "share\"1", new AuditLog.Served(name, List.of("pull", name), name), "locked");
        expected.add(fresh("get", name + ".example", caller, null, AuditLog.Served.NOTHING, "ok"));
        expected.add(fresh("store", null, caller, "share\"1", new AuditLog.Served(name, List.of("pull", name), name),
            "locked"));
      }
    }
    assertEquals(String.join("", expected), Files.readString(file));
    List<JsonNode> lines = Files.readString(file).lines().map(AuditLogTest::json).toList();
    for (int i = 0; i < names.size(); i++) {
      assertEquals(names.get(i), lines.get(2 * i).path("exe").asText());
      assertEquals(names.get(i) + ".example", lines.get(2 * i).path("server").asText());
      assertEquals(names.get(i), lines.get(2 * i + 1).path("key").asText());
    }
  }

  /**
   * Lines without a surrogate are written by hand (PlainLine), the others by Jackson: byte for byte
   * the same as a fresh generator's for every ASCII character, 2- and 3-byte UTF-8, U+2028, U+FFFF,
   * and 300 random mixes of them (with a surrogate pair now and then), in every text field, with
   * negative and large numbers, shares, scopes, profiles and repeat counts.
   */
  @Test
  void handWrittenLinesAreJacksonsBytesForAnyText() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    StringBuilder every = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      every.append(c);
    }
    every.append("\u0080\u00e9\u07ff\u0800\u2028\u2029\ufffd\uffff");
    String pool = every + "\uD83D\uDE00";
    java.util.Random random = new java.util.Random(32);
    List<String> texts = new java.util.ArrayList<>(List.of(every.toString(), "", "lone\uD800"));
    for (int n = 0; n < 300; n++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(30); i > 0; i--) {
        text.append(pool.charAt(random.nextInt(pool.length())));
      }
      texts.add(text.toString());
    }
    StringBuilder expected = new StringBuilder();
    try (AuditLog log = new AuditLog(file, 1 << 30, new TestClock())) {
      long n = 0;
      for (String text : texts) {
        n++;
        CallerProcess caller = new CallerProcess(n % 2 == 0 ? -1 : Long.MAX_VALUE - n, text, n, "/p/" + text);
        AuditLog.Served served = new AuditLog.Served(n % 3 == 0 ? null : text, n % 4 == 0 ? List.of() : List.of("pull", text),
            n % 5 == 0 ? null : text + " (default)");
        String share = n % 2 == 0 ? null : text;
        log.record("get" + text, text, caller, share, served, "ok");
        expected.append(fresh("get" + text, text, caller, share, served, "ok"));
      }
    }
    List<String> wrote = Files.readString(file).lines().toList();
    List<String> wanted = expected.toString().lines().toList();
    assertEquals(wanted.size(), wrote.size());
    for (int i = 0; i < wanted.size(); i++) {
      assertEquals(wanted.get(i), wrote.get(i), "line " + i);
    }
    assertEquals(expected.toString(), Files.readString(file));
  }

  /**
   * A line cut short by an Error (the heap or the stack exhausted by whatever else the daemon was
   * doing) must not leave the reused generator inside the half-written object: the
   * next request's line was refused by it ("expecting field name"), lost, and the file closed.
   */
  @Test
  void aLineCutShortByAnErrorLeavesTheNextLineWhole() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    boolean[] failMidLine = {false};
    Clock clock = new Clock() {
      @Override
      public Instant instant() {
        boolean fromLine = StackWalker.getInstance().walk(frames -> frames.skip(1).findFirst()
            .map(frame -> frame.getMethodName().equals("record")).orElse(false));
        if (failMidLine[0] && fromLine) { // the line's one clock read, in record (its object is not open yet)
          failMidLine[0] = false;
          throw new OutOfMemoryError("Java heap space");
        }
        return Instant.parse("2026-11-23T09:00:00Z");
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
    CallerProcess caller = new CallerProcess(42, "/usr/bin/docker", 7, "/usr/bin/bash");
    try (AuditLog log = new AuditLog(file, 1 << 20, clock)) {
      log.record("get", "a.example", caller, "ok");
      failMidLine[0] = true;
      assertThrows(OutOfMemoryError.class, () -> log.record("get", "b.example", caller, "ok"));
      log.record("get", "c.example", caller, "ok");
      log.record("get", "d.example", caller, "ok");
    }
    List<JsonNode> lines = Files.readString(file).lines().map(AuditLogTest::json).toList();
    assertEquals(List.of("a.example", "c.example", "d.example"), lines.stream().map(l -> l.path("server").asText()).toList());
  }

  /**
   * A line as a generator made for it alone writes it: what AuditLog wrote before it reused one.
   * The same fields, written by the same code: what differs is only what a reused generator carries
   * from one line to the next (a separator, an open object, a state after a failure).
   */
  private static String fresh(String op, String server, CallerProcess caller, String share, AuditLog.Served served,
      String outcome) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (com.fasterxml.jackson.core.JsonGenerator line = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
      AuditLog.write(line, "2026-11-23T09:00:00Z", op, server, caller, share, served, outcome, 0);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8) + "\n";
  }

  /**
   * A full disk cuts a line short (the write takes what fits, then fails; by hand on a 400 KiB
   * tmpfs), as a kill -9 mid-write can: the file then ends mid-line, and the first line written
   * once there is room again was appended to that half, the two one unreadable line that
   * {@code credagent log} skipped: an answered request with no line to show. A line starts a line.
   */
  @Test
  void aLineWrittenAfterAHalfWrittenOneStartsALineOfItsOwn() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    Files.writeString(file, "{\"time\":\"2026-11-23T08:59:59Z\",\"op\":\"get\",\"server\":\"re");
    CallerProcess caller = new CallerProcess(42, "/usr/bin/docker", 7, "/usr/bin/bash");
    try (AuditLog log = new AuditLog(file, 1 << 20, new TestClock())) {
      log.record("get", "a.example", caller, "ok");
      log.record("get", "b.example", caller, "ok");
    }
    List<String> lines = Files.readString(file).lines().toList();
    assertEquals(3, lines.size(), Files.readString(file));
    assertEquals(List.of("a.example", "b.example"),
        lines.subList(1, 3).stream().map(AuditLogTest::json).map(l -> l.path("server").asText()).toList());
  }

  @Test
  void aFullLogIsRotatedKeepingSeveralOldFiles() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    AuditLog log = new AuditLog(file, 4096, new TestClock());
    CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
    for (int i = 0; i < 300; i++) {
      log.record("get", "r" + i + ".example", caller, "ok");
    }
    log.close();
    assertTrue(Files.size(file) <= 4096);
    assertTrue(Files.size(file.resolveSibling("audit.log.1")) <= 4096);
    assertTrue(Files.readString(file).contains("r299.example"), "the newest line is in the current file");
    assertEquals(List.of("audit.log", "audit.log.1", "audit.log.2", "audit.log.3", "audit.log.4"),
        Files.list(home).map(p -> p.getFileName().toString()).sorted().toList());
  }

  @Test
  void aBurstOfRefusalsIsOneCountedLineAndCannotPushRealLinesOut() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    AuditLog log = new AuditLog(file, 4096, new TestClock());
    CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
    log.record("get", "ghcr.io", caller, "share-1", "ok");
    for (int i = 0; i < 10_000; i++) {
      log.record("get", "(refused: 3145728 characters)", caller, "share-1", "bad_request");
    }
    log.record("get", "quay.io", caller, "not_found");
    log.close();
    List<JsonNode> lines = Files.readString(file).lines().map(AuditLogTest::json).toList();
    assertEquals(4, lines.size(), lines.toString());
    assertEquals("ghcr.io", lines.get(0).path("server").asText());
    assertEquals(9_999, lines.get(2).path("repeated").asLong());
    assertEquals("quay.io", lines.get(3).path("server").asText());
    assertFalse(Files.exists(file.resolveSibling("audit.log.1")), "nothing rotated out");
  }

  /**
   * One clock read per line (its hour's budget, its summaries and its time agree), and none for a
   * sync while no origin is over its budget: each read was an Instant and a system call's worth of
   * work, four per helper call.
   */
  @Test
  void aLineReadsTheClockOnceAndASyncWithNothingSuppressedNotAtAll() throws Exception {
    int[] reads = {0};
    Clock counted = clockOf(() -> {
      reads[0]++;
      return Instant.parse("2026-11-23T09:00:00.123Z");
    });
    Path file = home.resolve(AuditLog.FILE_NAME);
    try (AuditLog log = new AuditLog(file, 1 << 20, counted, AuditBudget.forFiles(1 << 20))) {
      log.deferWrites();
      CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
      log.record("get", "first.example", caller, "ok");
      log.record("get", "second.example", caller, "not_found");
      log.sync();
      log.sync();
      assertEquals(2, reads[0]);
    }
    assertEquals(List.of("2026-11-23T09:00:00.123Z", "2026-11-23T09:00:00.123Z"),
        Files.readString(file).lines().map(AuditLogTest::json).map(line -> line.path("time").asText()).toList());
  }

  /**
   * A summary written on a line's way (an origin over budget, said a minute on) comes before that
   * line in the file and is not timed after it: with the line's clock read moved before the
   * summaries, the summary read the clock again and came out later than the line that followed.
   * The clock here moves a millisecond at every read, as a real one moves between two.
   */
  @Test
  void aSummaryWrittenBeforeALineIsNotTimedAfterIt() throws Exception {
    Instant[] at = {Instant.parse("2026-11-23T09:00:00Z")};
    Clock ticking = clockOf(() -> at[0] = at[0].plusMillis(1));
    Path file = home.resolve(AuditLog.FILE_NAME);
    CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
    try (AuditLog log = new AuditLog(file, 1 << 20, ticking, AuditBudget.forFiles(4096))) {
      for (int i = 0; i < 50; i++) {
        log.record("get", "r" + i + ".example", caller, "s", "not_found"); // a share over its budget
      }
      at[0] = at[0].plus(java.time.Duration.ofMinutes(2));
      log.record("get", "owner.example", caller, "ok"); // the owner's: always a line, after the share's summary
    }
    List<JsonNode> lines = Files.readString(file).lines().map(AuditLogTest::json).toList();
    int owner = lines.stream().map(line -> line.path("server").asText()).toList().indexOf("owner.example");
    assertTrue(owner > 0 && lines.get(owner - 1).path("op").asText().equals("suppressed"), lines.toString());
    for (int i = 1; i < lines.size(); i++) {
      assertFalse(Instant.parse(lines.get(i).path("time").asText()).isBefore(Instant.parse(lines.get(i - 1).path("time").asText())),
          "line " + i + " is timed before the line above it: " + lines.get(i - 1) + " / " + lines.get(i));
    }
  }

  /**
   * Lines are written from a direct buffer of 8 KiB; a batch bigger than that (a busy turn) is
   * written whole all the same, in order, and the small batch after it from the direct buffer again.
   */
  @Test
  void aBatchBiggerThanTheDirectBufferIsWrittenWholeAndInOrder() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    List<String> expected = new java.util.ArrayList<>();
    try (AuditLog log = new AuditLog(file, 1 << 20, new TestClock())) {
      log.deferWrites();
      CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
      log.record("get", "opens.example", caller, "ok");
      expected.add("opens.example");
      for (int i = 0; i < 200; i++) {
        log.record("get", "r" + i + ".example", caller, "ok");
        expected.add("r" + i + ".example");
      }
      assertTrue(Files.size(file) < 8192);
      log.sync();
      assertTrue(Files.size(file) > 8192, "the batch was bigger than the direct buffer");
      log.record("get", "after.example", caller, "ok");
      expected.add("after.example");
      log.sync();
    }
    assertEquals(expected, servers(file));
  }

  /** Group commit: lines wait for sync (the end of the turn), in order, and rotation still holds. */
  @Test
  void deferredLinesAreWrittenInOrderAtSyncAndStillRotate() throws Exception {
    Path file = home.resolve(AuditLog.FILE_NAME);
    AuditLog log = new AuditLog(file, 4096, new TestClock());
    log.deferWrites();
    CallerProcess caller = new CallerProcess(1, "/usr/bin/docker", 0, "/sbin/init");
    log.record("get", "first.example", caller, "ok"); // opens the file: written at once
    log.record("get", "second.example", caller, "ok");
    log.record("get", "third.example", caller, "not_found");
    assertEquals(List.of("first.example"), servers(file), "the others wait for the end of the turn");
    log.sync();
    assertEquals(List.of("first.example", "second.example", "third.example"), servers(file));
    log.sync();
    assertEquals(3, servers(file).size(), "a sync with nothing pending writes nothing");

    for (int i = 0; i < 300; i++) {
      log.record("get", "r" + i + ".example", caller, "ok");
      if (i % 7 == 0) {
        log.sync();
      }
    }
    log.close(); // writes what is pending
    assertTrue(Files.size(file) <= 4096);
    assertTrue(Files.size(file.resolveSibling("audit.log.1")) <= 4096);
    List<String> last = servers(file);
    assertEquals("r299.example", last.getLast(), "the newest line is in the current file");
    List<String> before = servers(file.resolveSibling("audit.log.1"));
    int next = Integer.parseInt(before.getLast().replaceAll("[^0-9]", "")) + 1;
    assertEquals("r" + next + ".example", last.getFirst(), "no line lost or reordered at the rotation");
  }

  private static List<String> servers(Path file) throws Exception {
    return Files.readString(file).lines().map(AuditLogTest::json).map(line -> line.path("server").asText()).toList();
  }

  private static JsonNode json(String line) {
    try {
      return new ObjectMapper().readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }

  /** A UTC clock that asks {@code instant} at every read: a test's counting or ticking clock. */
  private static Clock clockOf(java.util.function.Supplier<Instant> instant) {
    return new Clock() {
      @Override
      public Instant instant() {
        return instant.get();
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
  }
}
