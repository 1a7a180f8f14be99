package dev.procpool.internal.metrics;

import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool's own counters for its status page (jobs completed and failed, recent run-time
 * percentiles), kept whatever the user's meter registry; forwards every call to {@code delegate}.
 * Run times go into a ring of the last {@link #RECENT} jobs, written on the event loop and read by
 * {@link #runPercentilesMicros} on any thread (a racy copy is fine for a chart).
 */
public final class CountingMetrics implements PoolMetrics {
  static final int RECENT = 1024;

  private final PoolMetrics delegate;
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final long[] recentRunNanos = new long[RECENT];

  /**
   * How many run times were ever recorded: a long, so it never wraps (an int did after 2^31 jobs).
   */
  private volatile long recentCount;

  public CountingMetrics(PoolMetrics delegate) {
    this(delegate, 0);
  }

  /** For tests: starts the ring's counter at {@code recorded}, as after that many jobs. */
  CountingMetrics(PoolMetrics delegate, long recorded) {
    this.delegate = delegate;
    this.recentCount = recorded;
  }

  public long completed() {
    return completed.get();
  }

  public long failed() {
    return failed.get();
  }

  /** p50 and p99 of the last {@link #RECENT} run times, in microseconds; zeros before any job. */
  public long[] runPercentilesMicros() {
    int n = (int) Math.min(recentCount, RECENT);
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
    long i = recentCount;
    recentRunNanos[(int) (i % RECENT)] = runNanos;
    recentCount = i + 1;
    delegate.jobSucceeded(type, runNanos);
  }

  @Override
  public void jobFailed(String type, Failure code, long runNanos) {
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
