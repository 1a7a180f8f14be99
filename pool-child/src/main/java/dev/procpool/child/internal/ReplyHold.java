package dev.procpool.child.internal;

/**
 * Whether a finished job's reply may wait in the child's buffer ({@link ReplyWriter}) while the
 * child runs the next job it already holds, so that several replies reach the master in one write
 * and one wake-up of its loop. A wake-up costs tens of microseconds on a busy 2-core host; a no-op
 * job costs a few. The rule, all of which must hold:
 *
 * <ul>
 *   <li>the job just finished was short ({@link #SHORT_NANOS}): the reply of a job that took longer
 *       leaves at once, so 1 ms or longer jobs never wait;
 *   <li>the next job is in hand (read, not started) and of the same type: its expected run is then
 *       that of the job just finished, short; a job of another type may run long;
 *   <li>fewer replies are held than jobs are in hand, so the child flushes while it still has work
 *       left and the master refills it meanwhile (at a depth of 2, one job running and one held,
 *       nothing is ever held back; at 16, up to {@link #MAX_HELD} replies wait, the rest of the
 *       jobs in hand behind them);
 *   <li>the oldest held reply has waited less than {@link #MAX_HOLD_NANOS}, counting the next job.
 * </ul>
 *
 * <p>What can still happen: a job of a type that ran short runs long this time; the replies held
 * (at most {@link #MAX_HELD}, each of a short job) wait for it. Job thread only.
 */
final class ReplyHold {
  static final long SHORT_NANOS = 50_000;
  static final long MAX_HOLD_NANOS = 200_000;
  static final int MAX_HELD = 8;

  /** When the oldest reply now held was ready. */
  private long oldestNanos;

  /**
   * Decides for the reply just buffered, the {@code held}-th one held ({@code >= 1}).
   *
   * @param runNanos how long the job just finished ran
   * @param now when it finished ({@code System.nanoTime})
   * @param inHand whole frames read and not yet handled, the next job among them
   * @param nextSameType the next message is a job of the type just run
   */
  boolean hold(long runNanos, long now, int held, int inHand, boolean nextSameType) {
    if (held == 1) {
      oldestNanos = now;
    }
    return runNanos < SHORT_NANOS
        && nextSameType
        && held < inHand
        && held <= MAX_HELD
        && now - oldestNanos + runNanos < MAX_HOLD_NANOS;
  }
}
