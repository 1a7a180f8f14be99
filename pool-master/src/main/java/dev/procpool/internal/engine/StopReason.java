package dev.procpool.internal.engine;

/**
 * Why the pool stopped a child, kept for its death report. {@code startFault} marks a child that
 * could not start properly (no hello in time, a wrong protocol version or pid): only those count
 * towards the failed starts that make the pool unhealthy; a start the pool cut short itself (a
 * resize, a rolling restart) does not.
 */
record StopReason(boolean startFault, String text) {
  static StopReason of(String text) {
    return new StopReason(false, text);
  }

  static StopReason startFault(String text) {
    return new StopReason(true, text);
  }

  @Override
  public String toString() {
    return startFault ? "start-up fault: " + text : text;
  }
}
