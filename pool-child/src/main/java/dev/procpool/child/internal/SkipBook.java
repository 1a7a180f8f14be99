package dev.procpool.child.internal;

import java.util.HashSet;
import java.util.Set;

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

  private final Set<Long> skipped = new HashSet<>();
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
    if (skipped.size() >= MAX_SKIPS) {
      return false; // bounded; the job then runs, and the master hears it started
    }
    skipped.add(jobId);
    return true;
  }

  /** The job thread is about to run {@code jobId}: false if it was skipped, and must be dropped. */
  synchronized boolean start(long jobId) {
    if (skipped.remove(jobId)) {
      return false;
    }
    recentlyStarted[next] = jobId;
    next = (next + 1) % RECENT;
    return true;
  }
}
