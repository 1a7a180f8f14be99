package dev.procpool.internal.engine;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Failed child starts in a row, and how long to wait before the next start: 100 ms doubling to 10
 * s, each delay jittered by ±20% so that pools (or children) that failed together do not retry in
 * lockstep. After {@code limit} failures in a row the pool is unhealthy until a child starts.
 * Confined to the loop.
 */
final class StartBackoff {
  static final long FIRST_MILLIS = 100;
  static final long MAX_MILLIS = 10_000;

  private final int limit;
  private final Random random;
  private int failedInRow;
  private String lastFailure = "";

  StartBackoff(int limit, Random random) {
    this.limit = limit;
    this.random = random;
  }

  /** The delay before the next start: 0 while starts succeed. */
  long nextDelayNanos() {
    if (failedInRow == 0) {
      return 0;
    }
    long millis = Math.min(FIRST_MILLIS << Math.min(failedInRow - 1, 20), MAX_MILLIS);
    double jitter = 0.8 + 0.4 * random.nextDouble();
    return (long) (TimeUnit.MILLISECONDS.toNanos(millis) * jitter);
  }

  /** A start failed; true when this failure reaches the limit or goes past it. */
  boolean onFailure(String why) {
    failedInRow++;
    lastFailure = why;
    return failedInRow >= limit;
  }

  void onSuccess() {
    failedInRow = 0;
  }

  boolean exhausted() {
    return failedInRow >= limit;
  }

  int failedInRow() {
    return failedInRow;
  }

  String reason(String poolName) {
    return poolName
        + ": children keep failing to start ("
        + failedInRow
        + " failed starts in a row; last: "
        + lastFailure
        + "); see the child output in the log";
  }
}
