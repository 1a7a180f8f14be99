package dev.procpool.internal.engine;

import java.util.Arrays;

/**
 * How many jobs a busy child may hold at once (the one it runs plus those waiting in its socket),
 * chosen from recent run times so that a held job never waits long behind the ones ahead of it:
 * depth × median run ≤ {@link #BUDGET_NANOS}, between 2 and {@link #MAX_DEPTH}. No-op jobs of a few
 * microseconds get 16; 100 µs jobs 10; jobs of 500 µs or more 2: one job running, one sent ahead,
 * which is what brings 1 ms jobs close to the ideal (the round trip between two jobs is hidden); a
 * held job that waits too long behind an overdue one is recalled by {@link HeldJobs}.
 *
 * <p>Why it pays: a job costs the master one wake-up and the child one (to read the request, and to
 * have its reply read), tens of microseconds on a busy 2-core host, more than a short job itself. A
 * child that holds k jobs reads them in one read and the master reads their replies in a few; a
 * bare relay measured 18k warmed no-op jobs/s at depth 1 and 46k at depth 16.
 *
 * <p>The median is over the last {@link #WINDOW} run times, recomputed once per window (a sort of
 * 64 longs in a preallocated array: nothing allocated per job). Until the first window is full the
 * depth is {@link #INITIAL_DEPTH}. Loop thread only, like the rest of the engine.
 */
public final class HoldDepth {
  /** A held job waits at most about this long behind the jobs ahead of it. */
  public static final long BUDGET_NANOS = 1_000_000;

  public static final int MAX_DEPTH = 16;

  /** Today's pipelining: one job running, one waiting. */
  public static final int INITIAL_DEPTH = 2;

  static final int WINDOW = 64;

  private final int maxDepth;
  private final long budgetNanos;
  private final long[] recent = new long[WINDOW];
  private final long[] scratch = new long[WINDOW];
  private int filled;
  private int depth;

  /** {@code maxDepth} 1 means one job at a time (no pipelining); 2 today's pipelining. */
  public HoldDepth(int maxDepth) {
    this(maxDepth, BUDGET_NANOS);
  }

  /** With another budget: the simulation's run times are virtual, and longer. */
  HoldDepth(int maxDepth, long budgetNanos) {
    if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
      throw new IllegalArgumentException("maxDepth must be in 1.." + MAX_DEPTH + ": " + maxDepth);
    }
    this.maxDepth = maxDepth;
    this.budgetNanos = budgetNanos;
    this.depth = Math.min(INITIAL_DEPTH, maxDepth);
  }

  /**
   * A job ran {@code runNanos} (the handler's time if the child reports it, else its round trip).
   * True when the depth changed.
   */
  public boolean onRun(long runNanos) {
    recent[filled++] = Math.max(0, runNanos);
    if (filled < WINDOW) {
      return false;
    }
    filled = 0;
    System.arraycopy(recent, 0, scratch, 0, WINDOW);
    Arrays.sort(scratch);
    int was = depth;
    depth = forMedian(scratch[WINDOW / 2], maxDepth, budgetNanos);
    return depth != was;
  }

  public int maxDepth() {
    return maxDepth;
  }

  /** How many jobs a child may hold now, the running one included. */
  public int depth() {
    return depth;
  }

  static int forMedian(long medianNanos, int maxDepth, long budgetNanos) {
    long fits = budgetNanos / Math.max(1, medianNanos);
    return (int) Math.max(Math.min(INITIAL_DEPTH, maxDepth), Math.min(maxDepth, fits));
  }
}
