package dev.credagent.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.caller.Caller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallerProcessesTest {
  @TempDir Path proc;

  /** A kernel as the test sets it: which process (a generation) has each pid now, and what it is. */
  private final Map<Long, Integer> generation = new HashMap<>();
  private final Map<Long, String> exes = new HashMap<>();
  private final Map<Long, Long> parents = new HashMap<>();
  private final Set<Long> open = new HashSet<>();
  private int reads;
  private long nextHold = 100;
  private final Map<Long, long[]> holds = new HashMap<>(); // hold -> {pid, generation}

  private final ProcessIdentity fakeIdentity = new ProcessIdentity() {
    @Override
    public long open(long pid) {
      if (!generation.containsKey(pid)) {
        return UNKNOWN;
      }
      long hold = nextHold++;
      holds.put(hold, new long[] {pid, generation.get(pid)});
      open.add(hold);
      return hold;
    }

    @Override
    public boolean holds(long pid, long hold) {
      long[] held = holds.get(hold);
      return open.contains(hold) && held[0] == pid && generation.getOrDefault(pid, -1) == held[1];
    }

    @Override
    public void close(long hold) {
      assertTrue(open.remove(hold), "closed once");
    }

    @Override
    public boolean exited(long[] held, int count, boolean[] gone) {
      for (int i = 0; i < count; i++) {
        assertTrue(open.contains(held[i]), "only open holds are asked about");
        gone[i] = !holds(holds.get(held[i])[0], held[i]);
      }
      return true;
    }
  };

  private final CallerProcesses processes = new CallerProcesses(fakeIdentity, new CallerProcesses.Reader() {
    @Override
    public long parentPid(long pid) {
      return parents.getOrDefault(pid, -1L);
    }

    @Override
    public String exe(long pid) {
      reads++;
      return exes.getOrDefault(pid, CallerProcess.UNKNOWN);
    }
  });

  private void process(long pid, String exe, long parent) {
    generation.merge(pid, 1, Integer::sum); // a new process, even where the pid was had before
    exes.put(pid, exe);
    parents.put(pid, parent);
  }

  @Test
  void aProcessThatConnectsAgainAndItsParentAreReadOnce() {
    process(42, "/usr/bin/ci-loop", 7);
    process(7, "/usr/bin/bash", 1);
    CallerProcess first = processes.of(new Caller(1000, 42));
    assertEquals(new CallerProcess(42, "/usr/bin/ci-loop", 7, "/usr/bin/bash"), first);
    int afterFirst = reads;
    for (int i = 0; i < 100; i++) {
      assertEquals(first, processes.of(new Caller(1000, 42))); // a new connection each time
    }
    assertEquals(afterFirst, reads);
  }

  /**
   * A kept process and its kept parent are told alive by one call for both (one poll of two
   * pidfds), not one each; and where either exited, the one-by-one checks still let it go and read
   * the caller anew.
   */
  @Test
  void aKeptProcessAndItsParentAreToldAliveByOneCall() {
    int[] calls = {0};
    ProcessIdentity counted = new ProcessIdentity() {
      @Override
      public long open(long pid) {
        return fakeIdentity.open(pid);
      }

      @Override
      public boolean holds(long pid, long hold) {
        calls[0]++;
        return fakeIdentity.holds(pid, hold);
      }

      @Override
      public void close(long hold) {
        fakeIdentity.close(hold);
      }

      @Override
      public boolean exited(long[] held, int count, boolean[] gone) {
        calls[0]++;
        return fakeIdentity.exited(held, count, gone);
      }
    };
    CallerProcesses kept = new CallerProcesses(counted, new CallerProcesses.Reader() {
      @Override
      public long parentPid(long pid) {
        return parents.getOrDefault(pid, -1L);
      }

      @Override
      public String exe(long pid) {
        reads++;
        return exes.getOrDefault(pid, CallerProcess.UNKNOWN);
      }
    });
    process(42, "/usr/bin/ci-loop", 7);
    process(7, "/usr/bin/bash", 1);
    CallerProcess first = kept.of(new Caller(1000, 42));
    calls[0] = 0;
    for (int i = 0; i < 10; i++) {
      assertEquals(first, kept.of(new Caller(1000, 42)));
    }
    assertEquals(10, calls[0], "one call per look-up");
    process(7, "/usr/bin/sleep", 1); // bash exited and its pid went to another; ci-loop was given to init
    parents.put(42L, 1L);
    process(1, "/sbin/init", 0);
    assertEquals(new CallerProcess(42, "/usr/bin/ci-loop", 1, "/sbin/init"), kept.of(new Caller(1000, 42)));
  }

  @Test
  void aHelperIsNotKeptButItsParentIs() {
    process(7, "/usr/bin/docker", 1);
    for (long helper = 100; helper < 110; helper++) {
      process(helper, "/usr/libexec/docker-credential-agent", 7);
      CallerProcess who = processes.of(new Caller(1000, helper));
      assertEquals("/usr/bin/docker", who.program());
      assertEquals(helper, who.pid());
    }
    assertEquals(10 + 1, reads); // each helper's exe once, docker's once
    assertEquals(1, processes.kept());
    assertEquals(1, open.size());
  }

  @Test
  void aReusedPidIsAnotherProcessAndIsReadAnew() {
    process(42, "/usr/bin/ci-loop", 7);
    process(7, "/usr/bin/docker", 1);
    processes.of(new Caller(1000, 42));
    process(42, "/tmp/evil", 8); // the first exited; another process was given pid 42
    process(7, "/usr/bin/sleep", 1); // and docker's pid went to another as well
    process(8, "/usr/bin/sh", 1);
    assertEquals(new CallerProcess(42, "/tmp/evil", 8, "/usr/bin/sh"), processes.of(new Caller(1000, 42)));
    assertEquals("/usr/bin/sleep", processes.of(new Caller(1000, 7)).exe());
    assertEquals(processes.kept(), open.size(), "every hold of an exited process let go");
  }

  /**
   * A kept process's parent is not fixed for its life: when the parent exits, the kernel gives the
   * child to init (or a subreaper), and the parent's pid may go to any other process. The kept
   * child's line must then name its new parent, not whatever now has the old parent's pid.
   */
  @Test
  void aKeptProcessWhoseParentExitedNamesItsNewParentNotThePidsNextOwner() {
    process(1, "/sbin/init", 0);
    process(42, "/usr/bin/ci-loop", 7);
    process(7, "/usr/bin/bash", 1);
    assertEquals(new CallerProcess(42, "/usr/bin/ci-loop", 7, "/usr/bin/bash"), processes.of(new Caller(1000, 42)));
    parents.put(42L, 1L); // bash exited: ci-loop was reparented to init
    process(7, "/tmp/evil", 1); // and bash's pid went to another program
    assertEquals(new CallerProcess(42, "/usr/bin/ci-loop", 1, "/sbin/init"), processes.of(new Caller(1000, 42)));
  }

  /** The same, where the parent's pid went to another process between the child's read and the parent's hold. */
  @Test
  void aParentReplacedBeforeItsHoldIsNotLinkedToTheKeptChild() {
    process(1, "/sbin/init", 0);
    process(42, "/usr/bin/ci-loop", 7);
    process(7, "/usr/bin/bash", 1);
    CallerProcesses racing = new CallerProcesses(fakeIdentity, new CallerProcesses.Reader() {
      @Override
      public long parentPid(long pid) {
        return parents.getOrDefault(pid, -1L);
      }

      @Override
      public String exe(long pid) {
        if (pid == 7 && exes.get(7L).equals("/usr/bin/bash")) { // bash exits as it is read
          parents.put(42L, 1L);
          process(7, "/tmp/evil", 1);
        }
        return exes.getOrDefault(pid, CallerProcess.UNKNOWN);
      }
    });
    racing.of(new Caller(1000, 42)); // this one line may name either: the read raced the exit
    assertEquals(new CallerProcess(42, "/usr/bin/ci-loop", 1, "/sbin/init"), racing.of(new Caller(1000, 42)));
  }

  @Test
  void aPidReusedBetweenTheTwoReadsKeepsTheHeldProcesssFacts() {
    process(42, "/usr/bin/first", 7);
    process(7, "/usr/bin/bash", 1);
    CallerProcesses racing = new CallerProcesses(fakeIdentity, new CallerProcesses.Reader() {
      @Override
      public long parentPid(long pid) {
        return parents.getOrDefault(pid, -1L);
      }

      @Override
      public String exe(long pid) {
        String exe = exes.getOrDefault(pid, CallerProcess.UNKNOWN);
        if (pid == 42 && exe.equals("/usr/bin/first")) {
          process(42, "/usr/bin/second", 7); // exits right after its first read; 42 is reused
        }
        return exe;
      }
    });
    assertEquals("/usr/bin/second", racing.of(new Caller(1000, 42)).exe()); // the read under the hold
    assertEquals("/usr/bin/second", racing.of(new Caller(1000, 42)).exe());
  }

  @Test
  void aCallerThatVanishedMidWayIsNotKept() {
    process(7, "/usr/bin/bash", 1);
    generation.put(42L, 1); // it had a pid when held, and no /proc left by the time it was read
    assertEquals(CallerProcess.UNKNOWN, processes.of(new Caller(1000, 42)).exe());
    assertEquals(0, processes.kept());
    assertTrue(open.isEmpty());
    process(42, "/usr/bin/skopeo", 7); // another process with that pid: read, and kept
    assertEquals("/usr/bin/skopeo", processes.of(new Caller(1000, 42)).exe());
    assertEquals(2, processes.kept());
  }

  @Test
  void aProcessGoneBeforeItsHoldIsReadEveryTimeAndNeverKept() {
    exes.put(42L, "/usr/bin/gone"); // readable, but no hold to be had (exited, no pidfd)
    processes.of(new Caller(1000, 42));
    processes.of(new Caller(1000, 42));
    processes.of(new Caller(1000, Caller.UNKNOWN_PID));
    assertEquals(2, reads); // its exe on each call; no parent (-1) and no pid read nothing
    assertEquals(0, processes.kept());
  }

  @Test
  void manyDistinctCallersHoldAtMostTheBound() {
    for (long pid = 2; pid < 2 + 50L * CallerProcesses.SLOTS; pid++) {
      process(pid, "/usr/bin/client-" + pid, 1);
      processes.of(new Caller(1000, pid));
    }
    assertTrue(processes.kept() <= CallerProcesses.SLOTS, processes.kept() + " kept");
    assertEquals(processes.kept(), open.size(), "every evicted hold closed");
    int before = reads;
    assertEquals("/usr/bin/client-2", processes.of(new Caller(1000, 2)).exe()); // long evicted: read again
    assertTrue(reads > before);
  }

  /**
   * Short-lived clients (a loop running `credagent list`) each exit before the next connects. Their
   * holds were let go only when looked up again or pushed out, so the table kept 64 pidfds of
   * processes long gone: by hand, 64 of a daemon's 125 descriptors (prlimit), and accept ran out.
   * Keeping a process lets go of every kept one that has exited, so what is held is what lives.
   */
  @Test
  void exitedProcessesAreLetGoWhenAnotherIsKept() {
    process(1, "/sbin/init", 0);
    for (long pid = 100; pid < 100 + 3L * CallerProcesses.SLOTS; pid++) {
      process(pid, "/usr/bin/credagent", 1);
      processes.of(new Caller(1000, pid));
      generation.remove(pid); // it exits; nobody asks with its pid again
    }
    // init, and the last client: it exited after the last process was kept
    assertEquals(2, open.size(), "held: " + open.size());
    assertEquals(2, processes.kept());
  }

  /**
   * A /proc read can block (a caller's command line while its memory map is locked, a page fault
   * stalled on FUSE): it holds up that caller's thread, never another caller's look-up. All of
   * them waited on the one lock the reads were made under.
   */
  @Test
  void aBlockedReadOfOneCallerHoldsUpNoOtherLookUp() throws Exception {
    java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicLong nextHold = new java.util.concurrent.atomic.AtomicLong(100);
    ProcessIdentity alwaysAlive = new ProcessIdentity() {
      @Override
      public long open(long pid) {
        return nextHold.getAndIncrement();
      }

      @Override
      public boolean holds(long pid, long hold) {
        return true;
      }

      @Override
      public void close(long hold) {}
    };
    CallerProcesses stalling = new CallerProcesses(alwaysAlive, new CallerProcesses.Reader() {
      @Override
      public long parentPid(long pid) {
        return 1;
      }

      @Override
      public String exe(long pid) {
        if (pid == 666) {
          blocked.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return "/usr/bin/p" + pid;
      }
    });
    assertEquals("/usr/bin/p42", stalling.of(new Caller(1000, 42)).exe()); // kept
    Thread stalled = Thread.ofPlatform().start(() -> stalling.of(new Caller(1000, 666)));
    try {
      assertTrue(blocked.await(10, TimeUnit.SECONDS));
      java.util.concurrent.CompletableFuture<CallerProcess> other =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> stalling.of(new Caller(1000, 42)));
      assertEquals("/usr/bin/p42", other.get(5, TimeUnit.SECONDS).exe());
      java.util.concurrent.CompletableFuture<CallerProcess> unknown =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> stalling.of(new Caller(1000, 43)));
      assertEquals("/usr/bin/p43", unknown.get(5, TimeUnit.SECONDS).exe());
    } finally {
      release.countDown();
      stalled.join(10_000);
    }
  }

  @Test
  void startTimesTellAReusedPidFromTheProcessBefore() throws Exception {
    CallerProcesses fromProc = CallerProcesses.reading(proc, new StartTime(proc));
    onDisk(4242, 77, 100, "/usr/bin/ci-loop");
    onDisk(77, 1, 50, "/usr/bin/bash");
    assertEquals("/usr/bin/ci-loop", fromProc.of(new Caller(1000, 4242)).exe());
    onDisk(4242, 78, 100, "/usr/bin/other"); // the same start time: the same process, kept
    assertEquals("/usr/bin/ci-loop", fromProc.of(new Caller(1000, 4242)).exe());
    onDisk(4242, 78, 5000, "/tmp/evil"); // pid 4242 again, started later: another process
    onDisk(78, 1, 60, "/usr/bin/sh");
    assertEquals(new CallerProcess(4242, "/tmp/evil", 78, "/usr/bin/sh"), fromProc.of(new Caller(1000, 4242)));
  }

  @Test
  void aStartTimeIsCountedAfterTheLastParenOfComm() throws Exception {
    Path dir = Files.createDirectories(proc.resolve("4242"));
    Files.writeString(dir.resolve("stat"), "4242 (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 999) S 77 4242 1 0 -1 "
        + "4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456 10000 100\n");
    assertEquals(123456, new StartTime(proc).open(4242));
    Files.writeString(dir.resolve("stat"), "4242 (cut) S 77 4242 1 0"); // cut short
    assertEquals(ProcessIdentity.UNKNOWN, new StartTime(proc).open(4242));
    assertEquals(ProcessIdentity.UNKNOWN, new StartTime(proc).open(4243)); // gone
  }

  @Test
  void aPidfdHoldsItsProcessUntilItExits() throws Exception {
    assertNotNull(Pidfs.LINUX, "pidfd_open reached through the foreign function API");
    long self = ProcessHandle.current().pid();
    long hold = Pidfs.LINUX.open(self);
    assertNotEquals(ProcessIdentity.UNKNOWN, hold);
    assertTrue(Pidfs.LINUX.holds(self, hold));
    Pidfs.LINUX.close(hold);
    Process child = new ProcessBuilder("sleep", "30").start();
    long childHold = Pidfs.LINUX.open(child.pid());
    try {
      assertTrue(Pidfs.LINUX.holds(child.pid(), childHold));
      child.destroy();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      assertFalse(Pidfs.LINUX.holds(child.pid(), childHold)); // exited: its pid may be given again
      assertEquals(ProcessIdentity.UNKNOWN, Pidfs.LINUX.open(child.pid())); // reaped: nothing to hold
    } finally {
      Pidfs.LINUX.close(childHold);
    }
  }

  @Test
  void onePollTellsWhichHeldProcessesHaveExited() throws Exception {
    assertNotNull(Pidfs.LINUX, "pidfd_open reached through the foreign function API");
    Process child = new ProcessBuilder("sleep", "30").start();
    long[] held = {Pidfs.LINUX.open(ProcessHandle.current().pid()), Pidfs.LINUX.open(child.pid())};
    try {
      boolean[] gone = new boolean[2];
      assertTrue(Pidfs.LINUX.exited(held, 2, gone));
      assertFalse(gone[0] || gone[1]);
      child.destroy();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      assertTrue(Pidfs.LINUX.exited(held, 2, gone));
      assertFalse(gone[0], "this JVM lives");
      assertTrue(gone[1], "the sleep exited");
    } finally {
      Pidfs.LINUX.close(held[0]);
      Pidfs.LINUX.close(held[1]);
    }
  }

  /**
   * The kernel itself gives a kept process's pid to another: a sleep is kept, exits, and the next
   * process is made to get its pid (ns_last_pid: root only, so skipped where it cannot be written;
   * CI runs as root). The new one must be read, not served the sleep's facts.
   */
  @Test
  void aPidTheKernelGivesAgainIsReadAsTheNewProcess() throws Exception {
    Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(lastPid), "needs root to choose the next pid");
    CallerProcesses real = CallerProcesses.forThisSystem();
    Process first = new ProcessBuilder("sleep", "30").start();
    long pid = first.pid();
    String sleep = real.of(new Caller(1000, pid)).exe();
    assertTrue(sleep.endsWith("sleep"), sleep);
    first.destroy();
    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
    Process second = null;
    for (int attempt = 0; attempt < 50 && second == null; attempt++) { // others fork too: bounded retries
      try {
        Files.writeString(lastPid, Long.toString(pid - 1));
      } catch (java.io.IOException refused) {
        org.junit.jupiter.api.Assumptions.abort("ns_last_pid refused: " + refused.getMessage());
      }
      Process candidate = new ProcessBuilder("cat").start(); // waits on its stdin
      if (candidate.pid() == pid) {
        second = candidate;
      } else {
        candidate.destroy();
        candidate.waitFor(10, TimeUnit.SECONDS);
      }
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(second != null, "pid " + pid + " not given again in 50 tries");
    try {
      String exe = real.of(new Caller(1000, pid)).exe();
      assertTrue(exe.endsWith("cat"), "the reused pid is read anew, not served the sleep's facts: " + exe);
    } finally {
      second.destroy();
      second.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void thisJvmAndItsParentReadAsTheJdkSaysThem() {
    CallerProcesses real = CallerProcesses.forThisSystem();
    long self = ProcessHandle.current().pid();
    ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
    for (int i = 0; i < 3; i++) { // read, then kept
      CallerProcess who = real.of(new Caller(1000, self));
      assertEquals(ProcessHandle.current().info().command().orElseThrow(), who.exe());
      assertEquals(parent.pid(), who.parentPid());
      assertEquals(parent.info().command().orElseThrow(), who.parentExe());
    }
    assertEquals(2, real.kept());
  }

  private void onDisk(long pid, long parent, long startTicks, String exe) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (p) S " + parent + " " + pid
        + " 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " + startTicks + " 10000 100\n");
    Path link = dir.resolve("exe");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, Path.of(exe));
  }
}
