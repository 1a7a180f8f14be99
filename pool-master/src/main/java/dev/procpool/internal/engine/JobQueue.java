package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The FIFO of queued jobs, with O(1) cancel: a job that leaves the queue any other way than from
 * its head (cancelled, past its deadline) is only marked {@code DONE} by its own transition and
 * skipped when it reaches the head. {@code ArrayDeque.remove(Object)} would scan: 100,000 cancels
 * of a 100,000-job queue took seconds of the loop's time.
 *
 * <p>The queue keeps no count of its own: its size is the ledger's count of {@code QUEUED} jobs,
 * and every queued job is in it. Stale entries stay until polled, so the deque can hold more
 * entries than {@link #size()}; it is compacted when stale entries outnumber live ones, which keeps
 * its memory within twice the live jobs. Confined to the loop.
 */
final class JobQueue {
  private final ArrayDeque<PendingJob<?>> entries = new ArrayDeque<>();
  private final JobLedger ledger;

  JobQueue(JobLedger ledger) {
    this.ledger = ledger;
  }

  int size() {
    return ledger.queued();
  }

  boolean isEmpty() {
    return ledger.queued() == 0;
  }

  /** A new job, behind every other. */
  void addLast(PendingJob<?> job) {
    job.toQueue();
    entries.addLast(job);
  }

  /** A retried job, or one its child held and never ran: ahead of every other. */
  void addFirst(PendingJob<?> job) {
    job.toQueue();
    entries.addFirst(job);
  }

  /**
   * The oldest queued job, still {@code QUEUED}: the caller moves it on (starts it, or sends it
   * ahead) at once. Null when none.
   */
  PendingJob<?> pollFirst() {
    for (PendingJob<?> job = entries.pollFirst(); job != null; job = entries.pollFirst()) {
      if (job.state() == JobState.QUEUED) {
        return job;
      }
    }
    return null;
  }

  /** A job left the queue by its own transition (not from the head): maybe compact. */
  void left() {
    if (entries.size() > 64 && entries.size() > 2 * ledger.queued()) {
      entries.removeIf(entry -> entry.state() != JobState.QUEUED);
    }
  }

  /** Each queued job, oldest first, for the invariant check. */
  void forEachQueued(Consumer<PendingJob<?>> action) {
    for (PendingJob<?> job : entries) {
      if (job.state() == JobState.QUEUED) {
        action.accept(job);
      }
    }
  }
}
