package dev.credagent.caller;

/**
 * The default profile's name, here on the caller's floor: a share's scope ({@link ShareScope})
 * carries the profile it was made in, and the service's profile keys build on the same name.
 */
public final class ProfileName {
  /** The profile of every caller that names none and runs in no bound directory; old clients'. */
  public static final String DEFAULT = "default";

  private ProfileName() {}
}
