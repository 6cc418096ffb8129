package dev.credagent.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.credagent.caller.Caller;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallerProcessTest {
  @TempDir Path proc;

  /** {@code caller} read from the fake {@link #proc}, kept under nothing: every read is a read. */
  private CallerProcess read(Caller caller) {
    return CallerProcesses.reading(proc, ProcessIdentity.NONE).of(caller);
  }

  @Test
  void aHelpersCallerIsItsParentReadFromStatAndExe() throws Exception {
    process(4242, "docker-credenti", 77, "/usr/bin/docker-credential-agent");
    process(77, "docker", 1, "/usr/bin/docker");
    CallerProcess who = read(new Caller(1000, 4242));
    assertEquals(new CallerProcess(4242, "/usr/bin/docker-credential-agent", 77, "/usr/bin/docker"), who);
    assertEquals("/usr/bin/docker", who.program());
    assertEquals(77, who.programPid());
  }

  @Test
  void aCommFieldThatMimicsTheRestOfTheLineDoesNotMoveTheParent() throws Exception {
    process(4242, "evil) S 1 1 1 ) R 9", 77, "/tmp/evil");
    process(77, "sshd", 1, "/usr/sbin/sshd");
    assertEquals(77, read(new Caller(1000, 4242)).parentPid());
  }

  @Test
  void anExecutableTheKernelCallsSlashIsNamedByItsArgvZero() throws Exception {
    process(4242, "buildah", 77, "/");
    Files.write(proc.resolve("4242/cmdline"), "buildah\0push\0x\0".getBytes(StandardCharsets.UTF_8));
    process(77, "bash", 1, "/usr/bin/bash");
    assertEquals("buildah", read(new Caller(1000, 4242)).exe());
  }

  /**
   * A caller whose exe the daemon may not read (another uid through a share; its own with
   * dumpable 0) is named by its argv[0], of which only the first 4,096 bytes are used: the whole
   * command line was read for them, megabytes where the caller made it so (up to 6 MiB of
   * arguments), on every read of such a caller.
   */
  @Test
  void onlyTheStartOfAHugeCommandLineIsRead() throws Exception {
    process(4242, "evil", 77, "/");
    byte[] cmdline = new byte[16 << 20];
    java.util.Arrays.fill(cmdline, (byte) 'x');
    byte[] name = "/usr/bin/evil\0".getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, cmdline, 0, name.length);
    Files.write(proc.resolve("4242/cmdline"), cmdline);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertEquals("/usr/bin/evil", CallerProcess.exe(proc, 4242));
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    org.junit.jupiter.api.Assertions.assertTrue(allocated < 1 << 20, allocated + " bytes allocated to read a name");
    Files.write(proc.resolve("4242/cmdline"), new byte[] {'y', 'y'}); // a cut-short one: still its name
    assertEquals("yy", CallerProcess.exe(proc, 4242));
  }

  @Test
  void aProcessGoneBeforeItWasReadIsUnknownNotAFailure() throws Exception {
    assertEquals(new CallerProcess(4242, CallerProcess.UNKNOWN, -1, CallerProcess.UNKNOWN),
        read(new Caller(1000, 4242)));
    Files.createDirectories(proc.resolve("4243"));
    Files.writeString(proc.resolve("4243/stat"), "4243 (trunc"); // cut short: no parent to be had
    assertEquals(-1, read(new Caller(1000, 4243)).parentPid());
  }

  @Test
  void thisJvmReadsAsTheJdkSaysIt() {
    org.junit.jupiter.api.Assertions.assertNotNull(ProcFiles.LINUX, "libc reached through the foreign function API");
    long self = ProcessHandle.current().pid();
    CallerProcess who = CallerProcesses.forThisSystem().of(new Caller(1000, self));
    assertEquals(ProcessHandle.current().info().command().orElseThrow(), who.exe());
    assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), who.parentPid());
    assertEquals(ProcessHandle.current().parent().orElseThrow().info().command().orElseThrow(), who.parentExe());
  }

  private void process(long pid, String comm, long parent, String exe) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.writeString(dir.resolve("stat"), pid + " (" + comm + ") S " + parent + " " + pid + " 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456\n");
    Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
  }
}
