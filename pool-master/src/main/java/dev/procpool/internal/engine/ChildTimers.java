package dev.procpool.internal.engine;

/**
 * A child's own timers: the pending start (after a back-off), the start deadline, and the grace
 * after it closed its channel. All are cancelled at its death: nothing may fire for a child that is
 * gone. Confined to the loop.
 */
final class ChildTimers {
  private Loop.Timer launch;
  private Loop.Timer startDeadline;
  private Loop.Timer linger;

  void launch(Loop.Timer timer) {
    this.launch = timer;
  }

  void startDeadline(Loop.Timer timer) {
    this.startDeadline = timer;
  }

  void linger(Loop.Timer timer) {
    this.linger = timer;
  }

  void cancelStartDeadline() {
    if (startDeadline != null) {
      startDeadline.cancel();
      startDeadline = null;
    }
  }

  /** At death. */
  void cancelAll() {
    cancelStartDeadline();
    if (launch != null) {
      launch.cancel();
      launch = null;
    }
    if (linger != null) {
      linger.cancel();
      linger = null;
    }
  }
}
