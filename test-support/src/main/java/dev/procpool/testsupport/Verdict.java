package dev.procpool.testsupport;

import org.opentest4j.TestAbortedException;

/**
 * What a missing service means: outside CI a skipped test (JUnit's {@link TestAbortedException},
 * the exception an assumption throws), under CI a failure. The one line says which service, why it
 * is missing and how to provide it.
 */
final class Verdict {
  private final boolean underCi;

  Verdict(boolean underCi) {
    this.underCi = underCi;
  }

  boolean underCi() {
    return underCi;
  }

  /** Returns the exception for the caller to throw, so the compiler sees the path end. */
  RuntimeException missing(String service, String why, String how) {
    String line = service + " not available (" + why + "): " + how;
    if (underCi) {
      throw new AssertionError("CI must run this test. " + line);
    }
    return new TestAbortedException(line);
  }
}
