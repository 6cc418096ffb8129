package dev.credagent.service;

import dev.credagent.failure.AgentFailure;
import dev.credagent.failure.ErrorCode;
import java.util.Collection;

/**
 * A profile was named ({@code --profile}, {@code CREDAGENT_PROFILE}, a share's) that the vault does
 * not hold, or a name no profile can have. Never a silent fall-back to the default profile: a
 * credential stored or erased in the wrong account is worse than a refusal. The message names the
 * known profiles; it repeats the name only when it is a well-formed one (no control characters).
 */
public final class UnknownProfileException extends Exception implements AgentFailure {
  public UnknownProfileException(String name, Collection<String> known) {
    super((ProfileTable.isName(name) ? "there is no profile '" + name + "'"
        : "that is not a profile name (" + ProfileTable.NAME_RULE + ")")
        + "; the profiles are " + String.join(", ", known) + " (credagent profile add NAME --dir DIR makes one)");
  }

  private UnknownProfileException(String message) {
    super(message);
  }

  /** For a share whose profile was removed since: its client is told that much, and no profile's name. */
  static UnknownProfileException ofShare() {
    return new UnknownProfileException("the profile this share answers in was removed; ask its owner for a new share");
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.BAD_REQUEST;
  }
}
