package dev.credagent.audit;

/**
 * Where the audit log is in the home, and how many rotated files are kept beside it: what the
 * daemon's {@link AuditLog} writes and {@code credagent log} reads, in the module both see.
 */
public final class AuditFiles {
  public static final String FILE_NAME = "audit.log";
  /** Rotated files kept beside the current one: audit.log.1 to audit.log.KEPT. */
  public static final int KEPT = 4;

  private AuditFiles() {}
}
