package dev.credagent.failure;

/**
 * A failure a caller can act on, carrying the one {@link ErrorCode} from which every front door
 * derives what it says: the protocol's {@code error} answer, the credential helper's line, the
 * audit log's outcome and the CLI's exit code ({@link ErrorCode#exitCode}). Its message is one line
 * that names the fix and never quotes a secret.
 *
 * <p>Not a sealed type: the failures live in the packages of what fails (vault, registry, source,
 * service), and in a class path (unnamed module) a sealed type's permitted classes must share its
 * package. {@code AgentFailureTest} holds the list instead: every exception type of the daemon is
 * one of these, or is answered {@code internal} on purpose.
 */
public interface AgentFailure {
  ErrorCode code();

  String getMessage();

  /** The code of any failure: its own, or {@link ErrorCode#INTERNAL} for one no caller can act on. */
  static ErrorCode codeOf(Throwable failure) {
    return failure instanceof AgentFailure known ? known.code() : ErrorCode.INTERNAL;
  }
}
