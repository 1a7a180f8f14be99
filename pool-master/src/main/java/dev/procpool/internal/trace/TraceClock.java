package dev.procpool.internal.trace;

/**
 * Epoch nanoseconds from {@link System#nanoTime()}, anchored once: the job span and its wait and
 * run parts get timestamps from the same monotonic clock, so a part never seems to start before its
 * job (a wall clock stepping back mid-job cannot reorder them).
 */
final class TraceClock {
  private static final long ANCHOR = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

  private TraceClock() {}

  static long epochNanos(long nanoTime) {
    return ANCHOR + nanoTime;
  }

  static long now() {
    return epochNanos(System.nanoTime());
  }
}
