package dev.procpool.internal.engine;

import java.util.ArrayDeque;

/**
 * The FIFO of queued jobs, with O(1) cancel: a cancelled job is only marked (it stops being {@link
 * PendingJob#isQueued()}), counted out of {@link #size()}, and skipped when it reaches the head.
 * {@code ArrayDeque.remove(Object)} would scan: 100,000 cancels of a 100,000-job queue took seconds
 * of the loop's time.
 *
 * <p>Stale entries stay until polled, so the deque can hold more entries than {@link #size()}; it
 * is compacted when stale entries outnumber live ones, which keeps its memory within twice the live
 * jobs. Confined to the loop.
 */
final class JobQueue {
  private final ArrayDeque<PendingJob<?>> entries = new ArrayDeque<>();
  private int live;

  int size() {
    return live;
  }

  boolean isEmpty() {
    return live == 0;
  }

  /** A new job, behind every other. */
  void addLast(PendingJob<?> job) {
    job.queued(true);
    entries.addLast(job);
    live++;
  }

  /** A retried job, ahead of every other. */
  void addFirst(PendingJob<?> job) {
    job.queued(true);
    entries.addFirst(job);
    live++;
  }

  /** A job taken from the queue that did not start after all (pipelining): back at the head. */
  void putBack(PendingJob<?> job) {
    if (!job.isQueued()) {
      throw new IllegalStateException("job " + job.id() + " is not queued");
    }
    entries.addFirst(job);
    live++;
  }

  /** The oldest queued job, no longer queued; null when none. */
  PendingJob<?> pollFirst() {
    for (PendingJob<?> job = entries.pollFirst(); job != null; job = entries.pollFirst()) {
      if (job.isQueued()) {
        live--;
        return job;
      }
    }
    return null;
  }

  /** Takes a queued job out; O(1): the entry is skipped later. */
  void remove(PendingJob<?> job) {
    if (job.isQueued()) {
      job.queued(false);
      live--;
      if (entries.size() > 64 && entries.size() > 2 * live) {
        entries.removeIf(entry -> !entry.isQueued());
      }
    }
  }
}
