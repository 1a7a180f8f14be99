package dev.procpool;

import com.google.protobuf.ByteString;
import dev.procpool.internal.engine.Admission;
import dev.procpool.internal.engine.ChildSlot;
import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.JobFuture;
import dev.procpool.internal.engine.JobSpan;
import dev.procpool.internal.engine.JobTracer;
import dev.procpool.internal.engine.PendingJob;
import dev.procpool.internal.engine.PoolMetrics;
import dev.procpool.internal.host.EngineHost;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The way into the pool for a job, on the caller's thread: validation, the refusals that need no
 * trip to the loop (invalid, too big, closed, past or unreachable deadline, queue full), admission,
 * and the hand-over to the loop. Also builds a broadcast's pinned jobs, on the loop. Thread-safe.
 */
final class JobIntake {
  private final PoolConfig config;
  private final EngineHost host;
  private final Engine engine;
  private final PoolMetrics metrics;
  private final AtomicLong jobIds = new AtomicLong();

  /** Starts each job's trace at submit; {@link JobTracer#NOOP} while tracing is off. */
  private final JobTracer tracer;

  JobIntake(PoolConfig config, EngineHost host, PoolMetrics metrics) {
    this.config = config;
    this.tracer = dev.procpool.internal.trace.Tracing.tracer(config.tracing().orElse(null));
    this.host = host;
    this.engine = host.engine();
    this.metrics = metrics;
  }

  <T> CompletableFuture<T> submit(Job<T> job, boolean closed) {
    long id = jobIds.incrementAndGet();
    JobFuture<T> future = new JobFuture<>();
    if (job.type() == null || job.type().isEmpty()) {
      return refused(JobSpan.NOOP, future, FailureCode.INVALID_REQUEST, id, "", "it has no type");
    }
    long timeoutMillis = saturatedMillis(job.timeout().orElse(config.jobTimeout()));
    long deadlineMillis = job.deadline().map(Instant::toEpochMilli).orElse(0L);
    JobSpan span = tracer.begin(job.type(), config.name());
    long bytes =
        PendingJob.requestBytes(id, job.type(), job.payload(), timeoutMillis, deadlineMillis, span);
    if (bytes > config.maxFrameBytes()) {
      return refused(
          span,
          future,
          FailureCode.INVALID_REQUEST,
          id,
          job.type(),
          "its request of "
              + bytes
              + " bytes exceeds maxFrameBytes ("
              + config.maxFrameBytes()
              + ")");
    }
    if (closed) {
      return refused(span, future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    long leftNanos = 0;
    if (job.deadline().isPresent()) {
      leftNanos = saturatedNanos(Duration.between(host.now(), job.deadline().get()));
      String late = lateForDeadline(leftNanos);
      if (late != null) {
        return refused(span, future, FailureCode.DEADLINE_EXCEEDED, id, job.type(), late);
      }
    }
    Admission admission = engine.admission();
    if (!admission.admit()) {
      return refused(
          span,
          future,
          FailureCode.QUEUE_FULL,
          id,
          job.type(),
          "queue full (capacity "
              + admission.capacity()
              + ", queued "
              + engine.counts().queued()
              + ", busy "
              + engine.counts().busy()
              + ")");
    }
    // Admitted: from here on the job's own transitions release the admission.
    PendingJob<T> pending =
        new PendingJob<>(
                id,
                job.type(),
                job.payload(),
                timeoutMillis,
                job::decode,
                future,
                engine.jobContext())
            .trace(span);
    if (leftNanos > 0) {
      pending.deadline(host.nanoTime() + leftNanos, deadlineMillis);
    }
    future.onCancel(interrupt -> host.runOnLoop(() -> engine.cancel(pending, interrupt)));
    if (!host.runOnLoop(() -> engine.enqueue(pending))) {
      pending.refuse(
          Failure.POOL_CLOSED,
          config.name() + ": job " + id + " (" + job.type() + ") refused: the pool is closed");
    }
    return future;
  }

  /** Why a job with {@code leftNanos} to its deadline is refused at once; null if it is not. */
  private String lateForDeadline(long leftNanos) {
    if (leftNanos <= 0) {
      return "its deadline has passed";
    }
    long expected = engine.counts().expectedWaitNanos();
    if (config.deadlineAdmission() && expected > leftNanos) {
      return "the expected wait of "
          + expected / 1_000_000
          + " ms (queued "
          + engine.counts().queued()
          + ", busy "
          + engine.counts().busy()
          + ") exceeds the "
          + leftNanos / 1_000_000
          + " ms left to its deadline";
    }
    return null;
  }

  /** One job per ready child, pinned to it; on the loop. */
  List<CompletableFuture<BroadcastResult>> broadcast(String type, ByteString payload) {
    long timeoutMillis = saturatedMillis(config.jobTimeout());
    List<CompletableFuture<BroadcastResult>> results = new ArrayList<>();
    for (ChildSlot child : engine.readyChildren()) {
      long id = jobIds.incrementAndGet();
      JobFuture<byte[]> future = new JobFuture<>();
      int childId = child.id();
      long pid = child.pid();
      results.add(
          future.handle(
              (result, failure) ->
                  new BroadcastResult(
                      childId,
                      pid,
                      result,
                      failure == null
                          ? null
                          : failure instanceof PoolException
                              ? (PoolException) failure
                              : new PoolException(
                                  FailureCode.CANCELLED, id, String.valueOf(failure)))));
      engine.admission().admitUnbounded(); // one per child: bounded by the pool's size
      engine.pin(
          child,
          new PendingJob<>(
              id,
              type,
              payload,
              timeoutMillis,
              ByteString::toByteArray,
              future,
              engine.jobContext()));
    }
    return results;
  }

  /**
   * Millis of a duration, Long.MAX_VALUE if it has more: a huge timeout means "practically never".
   */
  static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private <T> CompletableFuture<T> refused(
      JobSpan span,
      CompletableFuture<T> future,
      FailureCode code,
      long id,
      String type,
      String why) {
    Failure failure = FailureCodes.toEngine(code);
    span.ended(failure, why);
    metrics.jobFailed(type, failure, -1);
    future.completeExceptionally(
        new PoolException(
            code, id, config.name() + ": job " + id + " (" + type + ") refused: " + why));
    return future;
  }
}
