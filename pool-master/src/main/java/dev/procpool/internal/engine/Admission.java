package dev.procpool.internal.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides at {@code submit}, on the caller's thread and without a trip to the loop, whether a job
 * may wait: at most {@code capacity} jobs queued beyond the children idle right now. Owns the count
 * of jobs admitted but not yet started ({@link #admit} counts up on any thread, {@link #release}
 * counts down on the loop), so the bound holds while jobs are still on their way to the loop.
 *
 * <p>The sum is taken in {@code long}: {@code capacity} may be {@code Integer.MAX_VALUE}.
 */
public final class Admission {
  private final int capacity;
  private final AtomicInteger waiting = new AtomicInteger();

  /** Idle children as last published by the loop. */
  private final AtomicInteger idlePublished = new AtomicInteger();

  public Admission(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0: " + capacity);
    }
    this.capacity = capacity;
  }

  /** True if the job may wait; then exactly one {@link #release} must follow. Any thread. */
  public boolean admit() {
    int now = waiting.incrementAndGet();
    if ((long) now > (long) capacity + idlePublished.get() || now == Integer.MIN_VALUE) {
      waiting.decrementAndGet();
      return false;
    }
    return true;
  }

  /** The job left the waiting state: it started, failed or was cancelled before starting. */
  public void release() {
    waiting.decrementAndGet();
  }

  /**
   * Counts a job in without the bound: a retry going back to the queue after its child died, or a
   * broadcast job pinned to a child (one per child, so bounded by the pool's size).
   */
  public void admitUnbounded() {
    waiting.incrementAndGet();
  }

  /** Jobs admitted and not yet started. */
  public int waiting() {
    return waiting.get();
  }

  public int capacity() {
    return capacity;
  }

  /** Called by the loop whenever its idle count changes. */
  void publishIdle(int idle) {
    idlePublished.lazySet(idle);
  }
}
