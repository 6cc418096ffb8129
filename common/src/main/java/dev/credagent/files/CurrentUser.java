package dev.credagent.files;

import com.sun.security.auth.module.UnixSystem;

/** The numeric identity this process runs as: the only one its daemon serves. */
public final class CurrentUser {
  private static final int UID = (int) new UnixSystem().getUid();

  private CurrentUser() {}

  public static int uid() {
    return UID;
  }
}
