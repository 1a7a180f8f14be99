package dev.procpool.internal.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loop's numbers, published for readers on other threads (gauges, {@code submit}'s error
 * messages). Written on the loop with {@code lazySet}: no fence on the hot path; a reader may see a
 * value one loop pass old, which is all a gauge needs.
 */
public final class Counts {
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger busy = new AtomicInteger();
  private final AtomicInteger idle = new AtomicInteger();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger depth = new AtomicInteger(1);
  private final java.util.concurrent.atomic.AtomicLong expectedWait =
      new java.util.concurrent.atomic.AtomicLong();

  void publish(int queued, int busy, int idle) {
    this.queued.lazySet(queued);
    this.busy.lazySet(busy);
    this.idle.lazySet(idle);
  }

  void publishExpectedWait(long nanos) {
    expectedWait.lazySet(nanos);
  }

  /**
   * How long a job submitted now would wait for a child, estimated from the queue, the busy
   * children and recent run times: for refusing jobs that cannot meet their deadline.
   */
  public long expectedWaitNanos() {
    return expectedWait.get();
  }

  void publishLive(int live) {
    this.live.lazySet(live);
  }

  void publishDepth(int depth) {
    this.depth.lazySet(depth);
  }

  /**
   * How many jobs a busy child may hold now, the one it runs included: 1 without pipelining, else
   * chosen from recent run times ({@link HoldDepth}).
   */
  public int depth() {
    return depth.get();
  }

  public int queued() {
    return queued.get();
  }

  public int busy() {
    return busy.get();
  }

  public int idle() {
    return idle.get();
  }

  public int live() {
    return live.get();
  }
}
