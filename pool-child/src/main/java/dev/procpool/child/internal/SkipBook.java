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
 *
 * <p>A "skipped" answer is written before the lock is let go ({@link #answer}), so the job thread
 * cannot pass a skipped job until the master's copy of the answer is in the kernel. Should the
 * child die a moment later, the master still reads the answer; what it has not heard of, then, is
 * at most the one job the child may have started, never a job behind it.
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

  /** Writes the answer to a skip request: {@code skipped} is {@link #answer}'s decision. */
  @FunctionalInterface
  interface AnswerWriter {
    void write(boolean skipped) throws java.io.IOException;
  }

  /**
   * Decides the master's request to skip {@code jobId} and writes the answer, both under the lock
   * the job thread takes to start a job. If the answer cannot be written the skip is undone: the
   * job then runs in its turn, as the master (which heard nothing) must assume.
   */
  synchronized void answer(long jobId, AnswerWriter out) throws java.io.IOException {
    boolean skipped = skip(jobId);
    try {
      out.write(skipped);
    } catch (java.io.IOException | RuntimeException | Error e) {
      if (skipped) {
        unskip(jobId);
      }
      throw e;
    }
  }

  private void unskip(long jobId) {
    skipped.computeIfPresent(jobId, (id, copies) -> copies == 1 ? null : copies - 1);
    skippedCopies--;
  }

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
