package dev.procpool.internal.engine;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retires idle extra children of a dynamic pool, then runs again, until the pool closes. */
final class HousekeepingTask implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final String poolName;
  private final Loop loop;
  private final Capacity capacity;
  private final BooleanSupplier closing;
  private final long everyNanos;
  private Loop.Timer next;

  /** Schedules itself every {@code everyNanos}. */
  HousekeepingTask(
      String poolName, Loop loop, Capacity capacity, BooleanSupplier closing, long everyNanos) {
    this.poolName = poolName;
    this.loop = loop;
    this.capacity = capacity;
    this.closing = closing;
    this.everyNanos = everyNanos;
    this.next = loop.schedule(this, everyNanos);
  }

  @Override
  public void run() {
    try {
      capacity.retireIdleExtras();
    } catch (RuntimeException e) {
      log.error("{}: housekeeping failed", poolName, e);
    }
    if (!closing.getAsBoolean()) {
      next = loop.schedule(this, everyNanos);
    }
  }

  void cancel() {
    next.cancel();
  }
}
