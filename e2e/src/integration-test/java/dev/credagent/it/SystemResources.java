package dev.credagent.it;

/**
 * The names of what tests share beyond their own directories, for JUnit's {@code @ResourceLock}:
 * the test classes run in parallel (e2e/pom.xml), and a class that changes the machine holds the
 * lock for all of it, so that no other such class runs meanwhile.
 */
public final class SystemResources {
  /**
   * The machine's users, PAM configuration and installed packages, which only root changes
   * (useradd, /etc/pam.d, apt-get): useradd and userdel lock /etc/passwd, and two at once fail.
   */
  public static final String MACHINE = "credagent.machine";

  /**
   * podman: run as root, it keeps a pause process and state of its own beside each test's storage,
   * so the classes that run it (PodmanIT, ProfilesIT's podman test) take turns.
   */
  public static final String PODMAN = "credagent.podman";

  private SystemResources() {}
}
