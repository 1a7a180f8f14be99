package dev.procpool;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.procpool.internal.engine.Admission;
import dev.procpool.internal.engine.ChildSlot;
import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.EngineSettings;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.JobFuture;
import dev.procpool.internal.engine.JobSpan;
import dev.procpool.internal.engine.JobTracer;
import dev.procpool.internal.engine.PendingJob;
import dev.procpool.internal.engine.PoolMetrics;
import dev.procpool.internal.host.PoolHost;
import dev.procpool.internal.launch.ChildEntryPoint;
import dev.procpool.internal.metrics.CountingMetrics;
import dev.procpool.internal.metrics.MicrometerPoolMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of persistent child JVMs, each running one blocking job at a time.
 *
 * <pre>{@code
 * try (ProcessPool pool = ProcessPool.builder().children(4).start()) {
 *   byte[] result = pool.submit(Job.of("resize", imageBytes)).join();
 * }
 * }</pre>
 *
 * <p>Thread-safe: every method may be called from any thread. A thin facade: the queue and the
 * children live in an engine confined to the pool's single event loop, which this class only hands
 * work to. {@code submit} never blocks.
 *
 * <p>Every future returned by {@code submit} completes exactly once: with the job's result, or with
 * a {@link PoolException} whose {@link FailureCode} says what happened. Futures complete on the
 * configured callback executor. {@code future.cancel(true)} on a queued job removes it from the
 * queue; on a running job it kills the child running it (a blocked thread in another JVM cannot be
 * interrupted safely) and a replacement is started.
 */
public final class ProcessPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessPool.class);

  private static final Failure.Factory FAILURES =
      (code, jobId, message, remoteClass, remoteStack) ->
          new PoolException(FailureCodes.toPublic(code), jobId, message, remoteClass, remoteStack);

  private final PoolConfig config;
  private final AtomicLong jobIds = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long startedNanos = System.nanoTime();
  private final CountingMetrics metrics;
  private final Engine engine;
  private final PoolHost host;

  /** Starts each job's trace at submit; {@link JobTracer#NOOP} while tracing is off. */
  private final JobTracer tracer = JobTracer.NOOP;

  /** Starts a pool with these settings; returns once every child is ready. */
  public static ProcessPool start(PoolConfig config) {
    return new ProcessPool(Objects.requireNonNull(config, "config"));
  }

  /** A builder with the defaults; {@code start()} on it starts the pool. */
  public static PoolConfigBuilder builder() {
    return PoolConfig.builder();
  }

  private ProcessPool(PoolConfig config) {
    this.config = config;
    String name = config.name();
    log.debug("{}: starting with {}", name, config); // every setting, secrets masked
    this.metrics =
        new CountingMetrics(
            config
                .meterRegistry()
                .<PoolMetrics>map(r -> new MicrometerPoolMetrics(r, name, this::counts))
                .orElse(PoolMetrics.NOOP));
    try {
      ChildEntryPoint entryPoint =
          ChildEntryPoint.resolve(
              config.childClasspathOverride(), config.childClasspath(), ProcessPool.class);
      this.host =
          new PoolHost(
              new PoolHost.Settings(
                  settings(config),
                  config.queueCapacity(),
                  config.javaExecutable(),
                  config.childJvmOptions(),
                  entryPoint,
                  config.maxFrameBytes(),
                  childEnvironment(config),
                  config.childClassDataDirectory().orElse(null),
                  config.callbackExecutor()),
              metrics,
              FAILURES);
    } catch (IOException | IllegalStateException e) {
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": " + e.getMessage());
    }
    this.engine = host.engine();
    awaitStarted();
  }

  /** For the gauges, which are first read after the engine exists. */
  private dev.procpool.internal.engine.Counts counts() {
    return engine.counts();
  }

  private static java.util.Map<String, String> childEnvironment(PoolConfig c) {
    if (c.jobAccounting()) {
      return c.childEnvironment();
    }
    java.util.Map<String, String> environment = new java.util.HashMap<>(c.childEnvironment());
    environment.put("PROCPOOL_JOB_ACCOUNTING", "off");
    return environment;
  }

  private static EngineSettings settings(PoolConfig c) {
    return EngineSettings.builder()
        .poolName(c.name())
        .children(c.children())
        .maxChildren(c.maxChildren())
        .childIdleTimeoutNanos(c.childIdleTimeout().toNanos())
        .maxJobsPerChild(c.maxJobsPerChild())
        .startTimeoutNanos(c.startTimeout().toNanos())
        .spawnFailureLimit(c.spawnFailureLimit())
        .recycleAboveHeapBytes(c.recycleAboveHeapBytes())
        .recycleAboveRssBytes(c.recycleAboveRssBytes())
        .retryableJobTypes(c.retryableJobTypes())
        .maxAttempts(c.maxAttempts())
        .memoryLimitBytes(MemoryLimit.bytes())
        .slowJobThresholdNanos(c.slowJobThreshold().toNanos())
        .pipelining(c.pipelining())
        .build();
  }

  private void awaitStarted() {
    try {
      // Each failed start is bounded by startTimeout, and failures in a row by spawnFailureLimit.
      long limitMillis =
          config.startTimeout().toMillis() * (config.spawnFailureLimit() + 1L) + 60_000;
      host.start(limitMillis);
      log.info("{}: started {} children", config.name(), config.children());
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      close();
      throw cause instanceof PoolException
          ? (PoolException) cause
          : new PoolException(
              FailureCode.SPAWN_FAILED, -1, config.name() + ": children did not start: " + cause);
    }
  }

  /**
   * Queues a job. Never blocks: when the job is invalid (no type, or a request larger than {@code
   * maxFrameBytes}), the queue is full or the pool is closed, the future is already failed ({@code
   * INVALID_REQUEST}, {@code QUEUE_FULL}, {@code POOL_CLOSED}) and no child is touched.
   */
  public <T> CompletableFuture<T> submit(Job<T> job) {
    Objects.requireNonNull(job, "job");
    long id = jobIds.incrementAndGet();
    JobFuture<T> future = new JobFuture<>();
    if (job.type() == null || job.type().isEmpty()) {
      return refused(future, FailureCode.INVALID_REQUEST, id, "", "it has no type");
    }
    long timeoutMillis = saturatedMillis(job.timeout().orElse(config.jobTimeout()));
    long deadlineMillis = job.deadline().map(java.time.Instant::toEpochMilli).orElse(0L);
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
    if (closed.get()) {
      return refused(span, future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    long leftNanos = 0;
    if (job.deadline().isPresent()) {
      leftNanos = saturatedNanos(Duration.between(java.time.Instant.now(), job.deadline().get()));
      if (leftNanos <= 0) {
        return refused(
            future, FailureCode.DEADLINE_EXCEEDED, id, job.type(), "its deadline has passed");
      }
      long expected = engine.counts().expectedWaitNanos();
      if (config.deadlineAdmission() && expected > leftNanos) {
        return refused(
            future,
            FailureCode.DEADLINE_EXCEEDED,
            id,
            job.type(),
            "the expected wait of "
                + expected / 1_000_000
                + " ms (queued "
                + engine.counts().queued()
                + ", busy "
                + engine.counts().busy()
                + ") exceeds the "
                + leftNanos / 1_000_000
                + " ms left to its deadline");
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
      pending.deadline(System.nanoTime() + leftNanos, deadlineMillis);
    }
    future.onCancel(interrupt -> runOnLoop(() -> engine.cancel(pending, interrupt)));
    if (!runOnLoop(() -> engine.enqueue(pending))) {
      admission.release();
      return refused(span, future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    return future;
  }

  /**
   * Millis of a duration, Long.MAX_VALUE if it has more: a huge timeout means "practically never".
   */
  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private <T> CompletableFuture<T> refused(
      JobSpan span,
      CompletableFuture<T> future,
      FailureCode code,
      long id,
      String type,
      String why) {
    span.ended(Failure.valueOf(code.name()), why);
    return refused(future, code, id, type, why);
  }

  private <T> CompletableFuture<T> refused(
      CompletableFuture<T> future, FailureCode code, long id, String type, String why) {
    metrics.jobFailed(type, FailureCodes.toEngine(code), -1);
    future.completeExceptionally(
        new PoolException(
            code, id, config.name() + ": job " + id + " (" + type + ") refused: " + why));
    return future;
  }

  /** Why the pool cannot run jobs now (closed, or children keep failing to start); any thread. */
  public Optional<String> problem() {
    return closed.get()
        ? Optional.of(config.name() + " is closed")
        : Optional.ofNullable(engine.problem());
  }

  /** A consistent snapshot of the pool, taken on its event loop. */
  public CompletableFuture<PoolStatus> status() {
    CompletableFuture<PoolStatus> status = new CompletableFuture<>();
    boolean queued =
        runOnLoop(
            () ->
                status.complete(
                    StatusView.of(
                        config.name(),
                        problem().orElse(null),
                        engine.status(),
                        Duration.ofNanos(System.nanoTime() - startedNanos),
                        metrics)));
    if (!queued) {
      status.completeExceptionally(
          new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"));
    }
    return status;
  }

  /**
   * Replaces every child, one at a time, without losing capacity or a job: each replacement starts
   * first, and an old child leaves only when idle. This is how changed handler code (a new jar at
   * the same path) goes live. Completes when every old child has exited.
   */
  public CompletableFuture<Void> restartChildren() {
    return onLoopFuture(engine::restartAll);
  }

  /**
   * Grows or shrinks the pool to {@code children}. Shrinking retires idle children first and lets
   * busy ones finish their job; no job is interrupted. Completes when exactly that many children
   * are ready; fails with {@code CANCELLED} if a later resize changes the size first.
   */
  public CompletableFuture<Void> resize(int children) {
    if (children < 1) {
      throw new IllegalArgumentException("children must be >= 1: " + children);
    }
    return onLoopFuture(() -> engine.resize(children));
  }

  /**
   * Runs one job of {@code type} in every ready child, between its jobs (before anything queued),
   * for example to reload configuration or drop a cache. Completes with one result per child.
   */
  public CompletableFuture<List<BroadcastResult>> broadcast(String type, byte[] payload) {
    Objects.requireNonNull(type, "type");
    ByteString bytes = UnsafeByteOperations.unsafeWrap(Objects.requireNonNull(payload, "payload"));
    long timeoutMillis = saturatedMillis(config.jobTimeout());
    return onLoopFuture(
        () -> {
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
            engine.admission().admitUnbounded();
            engine.pin(
                child,
                new PendingJob<>(
                    id,
                    type,
                    bytes,
                    timeoutMillis,
                    ByteString::toByteArray,
                    future,
                    engine.jobContext()));
          }
          return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]))
              .thenApply(v -> results.stream().map(CompletableFuture::join).toList());
        });
  }

  /** This pool's settings. */
  public PoolConfig config() {
    return config;
  }

  /**
   * Drains and stops: refuses new jobs, lets queued and running jobs finish until the drain
   * timeout, fails what is left with {@code POOL_CLOSED}, stops every child and waits for it to
   * exit. Idempotent. Blocks the caller; must not be called from a future's callback running on the
   * pool's own callback executor if that executor has a single thread.
   */
  @Override
  public void close() {
    if (host.inLoop()) {
      throw new IllegalStateException("close() called on the pool's event loop; it would deadlock");
    }
    if (closed.compareAndSet(false, true)) {
      host.close(
          config.drainTimeout().toMillis(),
          config.name() + ": the pool closed before the job could finish");
    }
  }

  private boolean runOnLoop(Runnable task) {
    return host.runOnLoop(task);
  }

  /** Runs {@code action} on the loop; the caller's stages run on the callback executor. */
  private <V> CompletableFuture<V> onLoopFuture(Supplier<CompletableFuture<V>> action) {
    return host.callOnLoop(
        closed.get() ? null : action,
        () -> new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"),
        config.callbackExecutor());
  }
}
