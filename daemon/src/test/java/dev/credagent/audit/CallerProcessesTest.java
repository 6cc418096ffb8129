package dev.credagent.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallerProcessesTest {
  @TempDir Path proc;

  /** Identities as the test sets them: pid to identity, as a kernel would say it now. */
  private final Map<Long, Long> identities = new HashMap<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final CallerProcesses processes = new CallerProcesses(
      pid -> identities.getOrDefault(pid, ProcessIdentity.UNKNOWN),
      caller -> new CallerProcess(caller.pid(), "/usr/bin/read-" + reads.incrementAndGet(), 1, "/sbin/init"));

  @Test
  void aProcessThatConnectsAgainIsReadOnce() {
    identities.put(42L, 7001L);
    CallerProcess first = processes.of(new Caller(1000, 42));
    for (int i = 0; i < 100; i++) {
      assertSame(first, processes.of(new Caller(1000, 42))); // a new connection each time
    }
    assertEquals(1, reads.get());
  }

  @Test
  void aReusedPidIsAnotherProcessAndIsReadAnew() {
    identities.put(42L, 7001L);
    CallerProcess before = processes.of(new Caller(1000, 42));
    identities.put(42L, 7002L); // the first exited; another process was given pid 42
    CallerProcess after = processes.of(new Caller(1000, 42));
    assertEquals("/usr/bin/read-1", before.exe());
    assertEquals("/usr/bin/read-2", after.exe());
    assertSame(after, processes.of(new Caller(1000, 42)));
    assertEquals(2, reads.get());
  }

  @Test
  void aProcessWithoutAnIdentityIsReadEveryTimeAndNeverKept() {
    processes.of(new Caller(1000, 42)); // gone before its identity was asked, or no source
    processes.of(new Caller(1000, 42));
    processes.of(new Caller(1000, Caller.UNKNOWN_PID));
    assertEquals(3, reads.get());
    assertEquals(0, processes.kept());
  }

  @Test
  void aCallerThatVanishedMidWayIsNotKept() throws Exception {
    identities.put(4242L, 7001L); // its identity was had; its /proc was gone by the time it was read
    CallerProcesses fromProc = new CallerProcesses(pid -> identities.getOrDefault(pid, 0L),
        caller -> CallerProcess.of(caller, proc));
    assertEquals(CallerProcess.UNKNOWN, fromProc.of(new Caller(1000, 4242)).exe());
    assertEquals(0, fromProc.kept());
    process(4242, 77, 100, "/usr/bin/skopeo"); // readable now: read, and kept from now on
    assertEquals("/usr/bin/skopeo", fromProc.of(new Caller(1000, 4242)).exe());
    assertEquals(1, fromProc.kept());
  }

  @Test
  void manyDistinctCallersStayWithinTheBound() {
    for (long pid = 1; pid <= 50L * CallerProcesses.SLOTS; pid++) {
      identities.put(pid, 9000 + pid);
      processes.of(new Caller(1000, pid));
    }
    assertEquals(50 * CallerProcesses.SLOTS, reads.get());
    assertTrue(processes.kept() <= CallerProcesses.SLOTS, processes.kept() + " kept");
    processes.of(new Caller(1000, 1)); // long overwritten: read again, never a wrong answer
    assertEquals(50 * CallerProcesses.SLOTS + 1, reads.get());
  }

  @Test
  void startTimesTellAReusedPidFromTheProcessBefore() throws Exception {
    CallerProcesses fromProc = new CallerProcesses(new StartTime(proc), caller -> CallerProcess.of(caller, proc));
    process(4242, 77, 100, "/usr/bin/docker");
    assertEquals("/usr/bin/docker", fromProc.of(new Caller(1000, 4242)).exe());
    process(4242, 78, 100, "/usr/bin/other"); // the same start time: the same process, not read again
    assertEquals("/usr/bin/docker", fromProc.of(new Caller(1000, 4242)).exe());
    process(4242, 78, 5000, "/tmp/evil"); // pid 4242 again, started later: another process
    CallerProcess reused = fromProc.of(new Caller(1000, 4242));
    assertEquals("/tmp/evil", reused.exe());
    assertEquals(78, reused.parentPid());
  }

  @Test
  void aStartTimeIsCountedAfterTheLastParenOfComm() throws Exception {
    Path dir = Files.createDirectories(proc.resolve("4242"));
    Files.writeString(dir.resolve("stat"), "4242 (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 999) S 77 4242 1 0 -1 "
        + "4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456 10000 100\n");
    assertEquals(123457, new StartTime(proc).of(4242)); // + 1: a start at tick 0 is still an identity
    Files.writeString(dir.resolve("stat"), "4242 (cut) S 77 4242 1 0"); // cut short
    assertEquals(ProcessIdentity.UNKNOWN, new StartTime(proc).of(4242));
    assertEquals(ProcessIdentity.UNKNOWN, new StartTime(proc).of(4243)); // gone
  }

  @Test
  void thisKernelHasPidfsAndItsIdentitiesAreNotReused() throws Exception {
    assertNotNull(Pidfs.LINUX, "Linux 6.9+ with pidfs, libc reached through the foreign function API");
    long self = ProcessHandle.current().pid();
    assertEquals(Pidfs.LINUX.of(self), Pidfs.LINUX.of(self));
    assertNotEquals(ProcessIdentity.UNKNOWN, Pidfs.LINUX.of(self));
    assertNotEquals(Pidfs.LINUX.of(self), Pidfs.LINUX.of(ProcessHandle.current().parent().orElseThrow().pid()));
    Process gone = new ProcessBuilder("true").start();
    long pid = gone.pid();
    assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
    assertEquals(ProcessIdentity.UNKNOWN, Pidfs.LINUX.of(pid)); // reaped: nothing to key it by
    assertEquals(StartTime.LINUX.of(self), StartTime.LINUX.of(self));
    assertNotEquals(ProcessIdentity.UNKNOWN, StartTime.LINUX.of(self));
  }

  private void process(long pid, long parent, long startTicks, String exe) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (p) S " + parent + " " + pid
        + " 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " + startTicks + " 10000 100\n");
    Path link = dir.resolve("exe");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, Path.of(exe));
    Files.createDirectories(proc.resolve(Long.toString(parent)));
  }
}
