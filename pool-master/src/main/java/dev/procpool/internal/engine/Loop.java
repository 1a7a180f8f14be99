package dev.procpool.internal.engine;

/**
 * The one thread that owns the engine's state, and its clock. The pool runs it on a Netty event
 * loop; the simulation test runs it on the test's thread with virtual time.
 */
public interface Loop {
  /** True on the loop's own thread: every engine method checks it. */
  boolean inLoop();

  /**
   * Runs {@code task} on the loop, later. Throws {@code RejectedExecutionException} once it is shut
   * down.
   */
  void execute(Runnable task);

  /** Monotonic time in nanoseconds; all of the engine's timestamps and deadlines use it. */
  long nanoTime();

  /** Runs {@code task} on the loop after {@code delayNanos}, unless cancelled first. */
  Timer schedule(Runnable task, long delayNanos);

  /** A scheduled task. */
  interface Timer {
    /** Cancels the task if it has not run; idempotent. */
    void cancel();
  }
}
