package dev.credagent.fuzzing;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs one fuzz test class in this JVM, as surefire ran it: {@code JAZZER_FUZZ=1 java -cp
 * TEST_CLASSPATH dev.credagent.fuzzing.FuzzOne CLASS}. The build's fuzzing runs each class so, in a
 * JVM of its own (Jazzer fuzzes one test per JVM), from the end-to-end tests' run: e2e's
 * {@code FuzzingIT}, where the fuzzers fill the cores that the tests' waits on processes leave idle.
 * Exit 0 when every test ran and passed; 1 with the failures on stderr otherwise.
 */
public final class FuzzOne {
  private FuzzOne() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: FuzzOne FULLY.QUALIFIED.FuzzTestClass");
      System.exit(2);
    }
    PrintStream err = System.err;
    AtomicInteger passed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(args[0])).build(),
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            if (!test.isTest()) {
              if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) { // a class that cannot start
                failed.incrementAndGet();
                err.println("FAILED " + test.getDisplayName() + ": " + result);
                result.getThrowable().ifPresent(t -> t.printStackTrace(err));
              }
              return;
            }
            if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
              passed.incrementAndGet();
            } else {
              failed.incrementAndGet();
              err.println("FAILED " + test.getDisplayName() + ": " + result.getStatus());
              result.getThrowable().ifPresent(t -> t.printStackTrace(err));
            }
          }
        });
    err.println("fuzzed " + args[0] + ": " + passed + " passed, " + failed + " failed");
    System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
  }
}
