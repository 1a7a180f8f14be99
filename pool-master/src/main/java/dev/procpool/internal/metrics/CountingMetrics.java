package dev.procpool.internal.metrics;

import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The pool's own counters for its status page (jobs completed and failed, recent run-time
 * percentiles), kept whatever the user's meter registry; forwards every call to {@code delegate}.
 *
 * <p>Run times go into an HdrHistogram {@link SingleWriterRecorder}: jobs end on the pool's loop
 * only, so the recorder needs no atomic counts, just its phase flip for readers. The percentiles
 * are computed from its interval histogram at most once per {@link #INTERVAL_NANOS} and cached, so
 * any number of status readers (dashboards, {@code /status}) cost one computation a second, not a
 * copy and a sort each.
 */
public final class CountingMetrics implements PoolMetrics {
  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final PoolMetrics delegate;
  private final AtomicLong completed;
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong waitNanos = new AtomicLong();
  private final AtomicLong runNanos = new AtomicLong();
  private final AtomicLong overheadNanos = new AtomicLong();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final SingleWriterRecorder runMicros = new SingleWriterRecorder(3);
  private Histogram interval;
  private long intervalStartNanos = System.nanoTime();
  private long[] percentiles = {0, 0};

  public CountingMetrics(PoolMetrics delegate) {
    this(delegate, 0);
  }

  /** For tests: starts the completed count at {@code completedSoFar}, as after that many jobs. */
  CountingMetrics(PoolMetrics delegate, long completedSoFar) {
    this.delegate = delegate;
    this.completed = new AtomicLong(completedSoFar);
  }

  public long completed() {
    return completed.get();
  }

  public long failed() {
    return failed.get();
  }

  /** Totals since the start: queue wait, IPC overhead, run time, handler CPU time; nanoseconds. */
  public long[] timeSplitNanos() {
    return new long[] {waitNanos.get(), overheadNanos.get(), runNanos.get(), cpuNanos.get()};
  }

  /**
   * p50 and p99 of the run times of the last interval with jobs, in microseconds; zeros before any
   * job. Any thread; recomputed at most once per interval.
   */
  public synchronized long[] runPercentilesMicros() {
    long now = System.nanoTime();
    if (now - intervalStartNanos >= INTERVAL_NANOS || interval == null) {
      interval = runMicros.getIntervalHistogram(interval);
      intervalStartNanos = now;
      if (interval.getTotalCount() > 0) {
        percentiles =
            new long[] {interval.getValueAtPercentile(50), interval.getValueAtPercentile(99)};
      }
    }
    return percentiles.clone();
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
    this.waitNanos.addAndGet(Math.max(0, waitNanos));
    delegate.jobStarted(type, waitNanos);
  }

  @Override
  public void jobSucceeded(String type, long runNanos) {
    this.runNanos.addAndGet(Math.max(0, runNanos));
    completed.incrementAndGet();
    runMicros.recordValue(Math.max(0, runNanos / 1000));
    delegate.jobSucceeded(type, runNanos);
  }

  @Override
  public void jobSlow(String type) {
    delegate.jobSlow(type);
  }

  @Override
  public void jobCost(String type, long cpuNanos, long allocatedBytes, long overheadNanos) {
    this.cpuNanos.addAndGet(cpuNanos);
    this.overheadNanos.addAndGet(Math.max(0, overheadNanos));
    delegate.jobCost(type, cpuNanos, allocatedBytes, overheadNanos);
  }

  @Override
  public void jobSentAhead() {
    delegate.jobSentAhead();
  }

  @Override
  public void skipAnswered(boolean skipped) {
    delegate.skipAnswered(skipped);
  }

  @Override
  public void jobDiscarded(String type) {
    delegate.jobDiscarded(type);
  }

  @Override
  public void jobFailed(String type, Failure code, long runNanos) {
    this.runNanos.addAndGet(Math.max(0, runNanos));
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
