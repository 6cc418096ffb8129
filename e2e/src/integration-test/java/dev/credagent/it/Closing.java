package dev.credagent.it;

/** The end of a test's fixtures: what it started, closed in the order given. */
public final class Closing {
  private Closing() {}

  /**
   * Closes each resource that is not null, in order, and every one of them even when one fails (a
   * registry that fails to stop must not leave the test's daemon running): the first failure is
   * thrown, with the later ones added to it as suppressed.
   */
  public static void inOrder(AutoCloseable... resources) throws Exception {
    Exception first = null;
    for (AutoCloseable resource : resources) {
      try {
        if (resource != null) {
          resource.close();
        }
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
