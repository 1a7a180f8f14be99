package dev.procpool.child.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * Pipelining's one decision in the child, made under one lock: does a job sent ahead start, or is
 * it skipped? The watchdog thread asks on the master's behalf ({@link #skip}) while a job runs; the
 * job thread asks before it starts each job ({@link #start}). Whichever comes first wins, so the
 * answer the master gets is always the truth.
 *
 * <p>"Started" is remembered for the last {@link #RECENT} jobs only. A busy child holds up to
 * {@value #MAX_DEPTH} jobs in its socket, and a skip request for one of them may come after it
 * started and the jobs behind it started too (short jobs, their replies still on the way); the
 * window is four times that depth, so such a job is still remembered and the answer is "started",
 * never a wrong "skipped" that would run it twice. Per job: one array store, no allocation.
 */
final class SkipBook {
  /**
   * The most jobs the master's pipelining lets a busy child hold: its adaptive depth's cap, {@code
   * HoldDepth.MAX_DEPTH} in the master (this module cannot see it; keep the two equal).
   */
  static final int MAX_DEPTH = 16;

  /**
   * Skip requests waiting for their copy to be read; the master asks at most once per job it holds
   * here ({@value #MAX_DEPTH}), and again for a copy it re-sent, so more than this means a broken
   * master.
   */
  private static final int MAX_SKIPS = 64;

  /**
   * Jobs started this recently are answered "started"; older ids are forgotten. A power of two (the
   * ring's index is masked), comfortably above {@link #MAX_DEPTH}: see the class comment.
   */
  static final int RECENT = 64;

  /**
   * Copies to drop, by job: a job skipped here goes back to the master's queue and may be sent to
   * this child again before the first copy was read; each skip drops one copy, in order.
   */
  private final Map<Long, Integer> skipped = new HashMap<>();

  private int skippedCopies;
  private final long[] recentlyStarted = new long[RECENT];
  private int next;

  /**
   * The master asks not to run {@code jobId}. True if it will not run: it has not started and now
   * never will. False if it started already (or ran).
   */
  synchronized boolean skip(long jobId) {
    for (long started : recentlyStarted) {
      if (started == jobId) {
        return false;
      }
    }
    if (skippedCopies >= MAX_SKIPS) {
      return false; // bounded; the job then runs, and the master hears it started
    }
    skipped.merge(jobId, 1, Integer::sum);
    skippedCopies++;
    return true;
  }

  /** The job thread is about to run {@code jobId}: false if it was skipped, and must be dropped. */
  synchronized boolean start(long jobId) {
    // Almost always nothing is skipped: no map look-up (and no boxed id) per job then.
    Integer copies = skippedCopies == 0 ? null : skipped.get(jobId);
    if (copies != null) {
      if (copies == 1) {
        skipped.remove(jobId);
      } else {
        skipped.put(jobId, copies - 1);
      }
      skippedCopies--;
      return false;
    }
    recentlyStarted[next] = jobId;
    next = (next + 1) & (RECENT - 1);
    return true;
  }
}
