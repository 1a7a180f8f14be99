package dev.procpool.master.metrics;

import dev.procpool.FailureCode;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool's own counters for its status page (jobs completed and failed, recent run-time
 * percentiles), kept whatever the user's meter registry; forwards every call to {@code delegate}.
 * Run times go into a ring of the last {@link #RECENT} jobs, written on the event loop and read
 * by {@link #runPercentilesMicros} on any thread (a racy copy is fine for a chart).
 */
public final class CountingMetrics implements PoolMetrics {
  static final int RECENT = 1024;

  private final PoolMetrics delegate;
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final long[] recentRunNanos = new long[RECENT];
  private volatile int recentCount;

  public CountingMetrics(PoolMetrics delegate) {
    this.delegate = delegate;
  }

  public long completed() {
    return completed.get();
  }

  public long failed() {
    return failed.get();
  }

  /** p50 and p99 of the last {@link #RECENT} run times, in microseconds; zeros before any job. */
  public long[] runPercentilesMicros() {
    int n = Math.min(recentCount, RECENT);
    if (n == 0) {
      return new long[] {0, 0};
    }
    long[] copy = Arrays.copyOf(recentRunNanos, n);
    Arrays.sort(copy);
    return new long[] {copy[(n - 1) / 2] / 1000, copy[(int) Math.ceil(0.99 * n) - 1] / 1000};
  }

  @Override
  public void knownTypes(Collection<String> types) {
    delegate.knownTypes(types);
  }

  @Override
  public void jobQueued(String type) {
    delegate.jobQueued(type);
  }

  @Override
  public void jobStarted(String type, long waitNanos) {
    delegate.jobStarted(type, waitNanos);
  }

  @Override
  public void jobSucceeded(String type, long runNanos) {
    completed.incrementAndGet();
    int i = recentCount;
    recentRunNanos[i % RECENT] = runNanos;
    recentCount = i + 1;
    delegate.jobSucceeded(type, runNanos);
  }

  @Override
  public void jobFailed(String type, FailureCode code, long runNanos) {
    failed.incrementAndGet();
    delegate.jobFailed(type, code, runNanos);
  }

  @Override
  public void childStarted() {
    delegate.childStarted();
  }

  @Override
  public void childDied(String cause) {
    delegate.childDied(cause);
  }
}
