package dev.procpool;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import dev.procpool.internal.host.EngineHost;
import dev.procpool.internal.host.PoolHost;
import dev.procpool.internal.metrics.CountingMetrics;
import dev.procpool.internal.metrics.MicrometerPoolMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long startedNanos = System.nanoTime();
  private final CountingMetrics metrics;
  private final Engine engine;
  private final EngineHost host;
  private final JobIntake intake;

  /** Starts a pool with these settings; returns once every child is ready. */
  public static ProcessPool start(PoolConfig config) {
    return new ProcessPool(Objects.requireNonNull(config, "config"), PoolHost::new);
  }

  /** A builder with the defaults; {@code start()} on it starts the pool. */
  public static PoolConfigBuilder builder() {
    return PoolConfig.builder();
  }

  /**
   * A pool on {@code hosts}' host: {@link PoolHost} for real pools; the engine simulation passes
   * one with a virtual clock and fake children, and so drives this very facade.
   */
  static ProcessPool start(PoolConfig config, EngineHost.Factory hosts) {
    return new ProcessPool(Objects.requireNonNull(config, "config"), hosts);
  }

  private ProcessPool(PoolConfig config, EngineHost.Factory hosts) {
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
      this.host = hosts.open(HostSettings.of(config), metrics, FAILURES);
    } catch (IOException | IllegalStateException e) {
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": " + e.getMessage());
    }
    this.engine = host.engine();
    this.intake = new JobIntake(config, host, metrics);
    awaitStarted();
  }

  /** For the gauges, which are first read after the engine exists. */
  private dev.procpool.internal.engine.Counts counts() {
    return engine.counts();
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
    return intake.submit(Objects.requireNonNull(job, "job"), closed.get());
  }

  /** Why the pool cannot run jobs now (closed, or children keep failing to start); any thread. */
  public Optional<String> problem() {
    return closed.get()
        ? Optional.of(config.name() + " is closed")
        : Optional.ofNullable(engine.problem());
  }

  /**
   * How many children the pool keeps now, those starting included; any thread. Follows {@link
   * #resize} and a dynamic pool's growth; a child that died counts until its replacement starts,
   * which is at once. {@code size() × depth()} is the pool's capacity including held jobs.
   */
  public int size() {
    return engine.counts().live();
  }

  /**
   * How many jobs each busy child may hold now, the one it runs included; any thread. 1 with {@code
   * pipelining(false)}; otherwise chosen from recent run times so that a job held behind others
   * waits about a millisecond at most (1 to 16: short jobs get more, long jobs 1 or 2). The pool's
   * capacity including held jobs is {@code size() × depth()}: a broker consumer sizes its prefetch
   * from it.
   */
  public int depth() {
    return engine.counts().depth();
  }

  /**
   * The pool's own event loop, for a front end that serves its connections on the same thread, so
   * that a job's submit and its answer cross no thread (an HTTP server in front of the pool does:
   * see {@code procpool serve}). Whatever runs there delays dispatching: never block on it, and
   * keep each task short. The pool shuts it down at the end of {@link #close()}: what runs on it
   * must expect the loop to go then. Empty when the pool runs on another host (the engine's
   * simulation).
   */
  public Optional<io.netty.channel.EventLoop> eventLoop() {
    return host instanceof PoolHost real ? Optional.of(real.eventLoop()) : Optional.empty();
  }

  /** A consistent snapshot of the pool, taken on its event loop. */
  public CompletableFuture<PoolStatus> status() {
    CompletableFuture<PoolStatus> status = new CompletableFuture<>();
    boolean queued =
        host.runOnLoop(
            () ->
                status.complete(
                    StatusView.of(
                        config.name(),
                        problem().orElse(null),
                        engine.status(),
                        Duration.ofNanos(System.nanoTime() - startedNanos),
                        metrics,
                        host.sandboxStatus())));
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
    return onLoopFuture(
        () -> {
          List<CompletableFuture<BroadcastResult>> results = intake.broadcast(type, bytes);
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

  /** Runs {@code action} on the loop; the caller's stages run on the callback executor. */
  private <V> CompletableFuture<V> onLoopFuture(Supplier<CompletableFuture<V>> action) {
    return host.callOnLoop(
        closed.get() ? null : action,
        () -> new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"),
        config.callbackExecutor());
  }
}
