package dev.procpool.child.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * Pipelining's one decision in the child, made under one lock: does a job sent ahead start, or is
 * it skipped? The watchdog thread asks on the master's behalf ({@link #skip}) while a job runs; the
 * job thread asks before it starts each job ({@link #start}). Whichever comes first wins, so the
 * answer the master gets is always the truth.
 */
final class SkipBook {
  /**
   * The master sends one job ahead at a time; more skips than this waiting means a broken master.
   */
  private static final int MAX_SKIPS = 64;

  /** Jobs the master may re-send after a skip are told apart from ones started this long ago. */
  private static final int RECENT = 8;

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
    next = (next + 1) % RECENT;
    return true;
  }
}
