package dev.procpool;

import dev.procpool.master.children.ChildEntryPoint;
import dev.procpool.master.children.ChildLauncher;
import dev.procpool.master.children.ChildRoster;
import dev.procpool.master.dispatch.Dispatcher;
import dev.procpool.master.dispatch.JobFuture;
import dev.procpool.master.dispatch.PendingJob;
import dev.procpool.master.metrics.CountingMetrics;
import dev.procpool.master.metrics.MicrometerPoolMetrics;
import dev.procpool.master.metrics.PoolMetrics;
import dev.procpool.master.transport.ChildChannelInitializer;
import dev.procpool.master.transport.ChildServer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Thread-safe: {@link #submit} and {@link #close} may be called from any thread. They never
 * touch the queue or the children themselves; they hand work to the pool's single event loop,
 * which owns all of that state. {@code submit} never blocks.
 *
 * <p>Every future returned by {@code submit} completes exactly once: with the job's result, or
 * with a {@link PoolException} whose {@link FailureCode} says what happened. Futures complete on
 * the configured callback executor. {@code future.cancel(true)} on a queued job removes it from
 * the queue; on a running job it kills the child running it (a blocked thread in another JVM cannot
 * be interrupted safely) and a replacement is started.
 */
public final class ProcessPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessPool.class);
  /** How long close() waits for children to exit after asking them, before killing them. */
  private static final long STOP_GRACE_MILLIS = 5_000;

  private final PoolConfig config;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final ExecutorService blocking;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong jobIds = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Dispatcher dispatcher;
  private final ChildRoster roster;
  private final ChildServer server;
  private final ChildLauncher launcher;
  private final CountingMetrics metrics;
  private final long startedNanos = System.nanoTime();
  /** Completes futures on the callback executor, one hand-off per event-loop pass. */
  private final dev.procpool.master.dispatch.CompletionBatch completions;

  /** Starts a pool with these settings; returns once every child is ready. */
  public static ProcessPool start(PoolConfig config) {
    Objects.requireNonNull(config, "config");
    return new ProcessPool(config);
  }

  /** A builder with the defaults; {@code start()} on it starts the pool. */
  public static PoolConfig.Builder builder() {
    return PoolConfig.builder();
  }

  private ProcessPool(PoolConfig config) {
    this.config = config;
    String name = config.name();
    // One event loop: the queue, the idle children and every child channel live on it, so the
    // hot path needs no lock.
    this.group =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-loop", true), NioIoHandler.newFactory());
    this.loop = group.next();
    this.blocking = Executors.newCachedThreadPool(new DefaultThreadFactory(name + "-launcher", true));
    this.dispatcher = new Dispatcher(name, loop, waiting, config.retryableJobTypes(), config.maxAttempts());
    this.completions = new dev.procpool.master.dispatch.CompletionBatch(loop, config.callbackExecutor());
    this.metrics =
        new CountingMetrics(
            config.meterRegistry() == null
                ? PoolMetrics.NOOP
                : new MicrometerPoolMetrics(config.meterRegistry(), name, new PublishedGauges()));
    ChildEntryPoint entryPoint;
    try {
      entryPoint = ChildEntryPoint.resolve(config.childClasspathOverride(), config.childClasspath(), applicationLoader());
    } catch (IllegalStateException e) {
      shutdownThreads();
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": " + e.getMessage());
    }
    ChildChannelInitializer initializer =
        new ChildChannelInitializer(name, config.maxFrameBytes(), config.startTimeout().toMillis());
    try {
      this.server = ChildServer.bind(group, initializer);
    } catch (IOException | RuntimeException e) {
      shutdownThreads();
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": could not open the child socket: " + e);
    }
    this.launcher =
        new ChildLauncher(
            name,
            config.javaExecutable(),
            config.childJvmOptions(),
            entryPoint,
            server.socketPath(),
            config.maxFrameBytes(),
            config.childEnvironment(),
            config.classDataDirectory(),
            blocking);
    this.roster =
        new ChildRoster(
            name,
            loop,
            launcher,
            dispatcher,
            config.children(),
            config.maxJobsPerChild(),
            config.startTimeout(),
            config.spawnFailureLimit(),
            metrics,
            config.recycleAboveHeapBytes(),
            config.recycleAboveRssBytes(),
            config.maxChildren(),
            config.childIdleTimeout());
    dispatcher.children(roster);
    initializer.route(roster, dispatcher);
    awaitStarted();
  }

  /**
   * The class loader whose classes the children should see: the caller's context loader when it
   * sees procpool itself (a web app, {@code mvn exec:java}), else the one that loaded procpool.
   */
  private static ClassLoader applicationLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    try {
      if (context != null && context.loadClass(ProcessPool.class.getName()) == ProcessPool.class) {
        return context;
      }
    } catch (ClassNotFoundException | LinkageError e) {
      // The context loader cannot see procpool: use procpool's own.
    }
    return ProcessPool.class.getClassLoader();
  }

  private void awaitStarted() {
    try {
      CompletableFuture<Void> started = onLoop(roster::startAll).get().toCompletableFuture();
      // Each failed start is bounded by startTimeout, and failures in a row by spawnFailureLimit.
      long limitMillis = config.startTimeout().toMillis() * (config.spawnFailureLimit() + 1L) + 60_000;
      started.get(limitMillis, TimeUnit.MILLISECONDS);
      log.info("{}: started {} children", config.name(), config.children());
    } catch (ExecutionException | TimeoutException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      close();
      if (cause instanceof PoolException) {
        throw (PoolException) cause;
      }
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, config.name() + ": children did not start: " + cause);
    }
  }

  /**
   * Queues a job. Never blocks: when the queue is full, or the pool is closed, the future is
   * already failed ({@code QUEUE_FULL}, {@code POOL_CLOSED}).
   */
  public <T> CompletableFuture<T> submit(Job<T> job) {
    Objects.requireNonNull(job, "job");
    long id = jobIds.incrementAndGet();
    JobFuture<T> future = new JobFuture<>();
    if (job.type() == null || job.type().isEmpty()) {
      return refused(future, FailureCode.INVALID_REQUEST, id, "", "job " + id + " has no type");
    }
    if (closed.get()) {
      return refused(future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    if (waiting.incrementAndGet() > config.queueCapacity() + dispatcher.idleChildren()) {
      waiting.decrementAndGet();
      return refused(
          future,
          FailureCode.QUEUE_FULL,
          id,
          job.type(),
          "queue full (capacity " + config.queueCapacity() + ", queued " + dispatcher.queuedJobs()
              + ", busy " + dispatcher.busyChildren() + ")");
    }
    long timeoutMillis = job.timeout().orElse(config.jobTimeout()).toMillis();
    PendingJob<T> pending =
        new PendingJob<>(id, job.type(), job.payload(), timeoutMillis, job::decode, completions, future, metrics);
    future.onCancel(() -> runOnLoop(() -> dispatcher.cancel(pending)));
    if (!runOnLoop(() -> dispatcher.enqueue(pending))) {
      waiting.decrementAndGet();
      return refused(future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    return future;
  }

  private <T> CompletableFuture<T> refused(
      CompletableFuture<T> future, FailureCode code, long id, String type, String why) {
    metrics.jobFailed(type, code, -1);
    future.completeExceptionally(
        new PoolException(code, id, config.name() + ": job " + id + " (" + type + ") refused: " + why));
    return future;
  }

  /**
   * Why the pool cannot run jobs now (closed, or children keep failing to start), or empty while
   * it can. Cheap and safe from any thread: for health checks.
   */
  public java.util.Optional<String> problem() {
    if (closed.get()) {
      return java.util.Optional.of(config.name() + " is closed");
    }
    return java.util.Optional.ofNullable(roster.unhealthyNow());
  }

  /** A consistent snapshot of the pool, taken on its event loop. */
  public CompletableFuture<PoolStatus> status() {
    CompletableFuture<PoolStatus> status = new CompletableFuture<>();
    boolean queued =
        runOnLoop(
            () -> {
              long[] runMicros = metrics.runPercentilesMicros();
              status.complete(
                  new PoolStatus(
                      config.name(),
                      problem().orElse(null),
                      dispatcher.queued(),
                      dispatcher.busy(),
                      dispatcher.idle(),
                      java.time.Duration.ofNanos(System.nanoTime() - startedNanos),
                      roster.snapshot(),
                      metrics.completed(),
                      metrics.failed(),
                      runMicros[0],
                      runMicros[1]));
            });
    if (!queued) {
      status.completeExceptionally(new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"));
    }
    return status;
  }

  /** The gauges read what the loop publishes, never loop state. */
  private final class PublishedGauges implements MicrometerPoolMetrics.Gauges {
    @Override
    public int queued() {
      return dispatcher.queuedJobs();
    }

    @Override
    public int busy() {
      return dispatcher.busyChildren();
    }

    @Override
    public int idle() {
      return dispatcher.idleChildren();
    }

    @Override
    public int live() {
      return roster.liveChildren();
    }
  }

  /**
   * Replaces every child, one at a time, without losing capacity or a job: each replacement
   * starts first, and an old child leaves only when idle. This is how changed handler code (a new
   * jar at the same path) goes live. Completes when every old child has exited.
   */
  public CompletableFuture<Void> restartChildren() {
    return onLoopFuture(roster::restartAll);
  }

  /**
   * Grows or shrinks the pool to {@code children}. Shrinking retires idle children first and
   * lets busy ones finish their job; no job is interrupted. Completes when exactly that many
   * children are ready.
   */
  public CompletableFuture<Void> resize(int children) {
    if (children < 1) {
      throw new IllegalArgumentException("children must be >= 1: " + children);
    }
    return onLoopFuture(() -> roster.resize(children));
  }

  /**
   * Runs one job of {@code type} in every ready child, between its jobs (before anything queued),
   * for example to reload configuration or drop a cache. Completes with one result per child.
   */
  public CompletableFuture<java.util.List<BroadcastResult>> broadcast(String type, byte[] payload) {
    java.util.Objects.requireNonNull(type, "type");
    java.util.Objects.requireNonNull(payload, "payload");
    return onLoopFuture(() -> {
      java.util.List<CompletableFuture<BroadcastResult>> results = new java.util.ArrayList<>();
      for (dev.procpool.master.children.ChildSlot child : roster.readyChildren()) {
        long id = jobIds.incrementAndGet();
        JobFuture<byte[]> future = new JobFuture<>();
        PendingJob<byte[]> job = new PendingJob<>(id, type, com.google.protobuf.UnsafeByteOperations.unsafeWrap(payload),
            config.jobTimeout().toMillis(), com.google.protobuf.ByteString::toByteArray, completions, future, metrics);
        int childId = child.id();
        long pid = child.pid();
        results.add(future.handle((bytes, failure) -> new BroadcastResult(childId, pid, bytes,
            failure == null ? null : failure instanceof PoolException ? (PoolException) failure
                : new PoolException(FailureCode.CANCELLED, id, String.valueOf(failure)))));
        waiting.incrementAndGet();
        dispatcher.pin(child, job);
      }
      return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]))
          .thenApply(v -> results.stream().map(CompletableFuture::join).toList());
    });
  }

  /** Runs {@code action} on the loop and flattens the future it returns. */
  private <V> CompletableFuture<V> onLoopFuture(java.util.function.Supplier<CompletableFuture<V>> action) {
    CompletableFuture<V> result = new CompletableFuture<>();
    if (closed.get() || !runOnLoop(() -> {
      try {
        action.get().whenComplete((v, e) -> {
          if (e != null) {
            result.completeExceptionally(e);
          } else {
            result.complete(v);
          }
        });
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    })) {
      result.completeExceptionally(new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"));
    }
    // Completions of loop-side futures happen on the loop: hand the caller's stages to the callback executor.
    return result.thenApplyAsync(v -> v, config.callbackExecutor());
  }

  /** This pool's settings. */
  public PoolConfig config() {
    return config;
  }

  /**
   * Drains and stops: refuses new jobs, lets queued and running jobs finish until the drain
   * timeout, fails what is left with {@code POOL_CLOSED}, stops every child and waits for it to
   * exit. Idempotent. Blocks the caller; must not be called from a future's callback running on
   * the pool's own callback executor if that executor has a single thread.
   */
  @Override
  public void close() {
    if (loop.inEventLoop()) {
      throw new IllegalStateException("close() called on the pool's event loop; it would deadlock");
    }
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      CompletableFuture<Void> drained = onLoop(dispatcher::drain).get();
      try {
        drained.get(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("{}: drain timeout of {} ms passed; failing what is left", config.name(), config.drainTimeout().toMillis());
      }
      CompletableFuture<Void> exited =
          onLoop(
                  () -> {
                    dispatcher.abandonAll(config.name() + ": the pool closed before the job could finish");
                    return roster.stopAll();
                  })
              .get();
      try {
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("{}: children did not exit within {} ms; killing them", config.name(), STOP_GRACE_MILLIS);
        onLoop(() -> {
              roster.killAll();
              return null;
            })
            .get();
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("{}: interrupted while closing", config.name());
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      log.error("{}: error while closing: {}", config.name(), e.toString());
    } finally {
      try {
        int killed = launcher.killRemaining(STOP_GRACE_MILLIS);
        if (killed > 0) {
          log.warn("{}: killed {} children that were still running at close", config.name(), killed);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        server.close();
      } catch (IOException e) {
        log.warn("{}: could not remove the socket directory: {}", config.name(), e.toString());
      }
      shutdownThreads();
      log.info("{}: closed", config.name());
    }
  }

  private void shutdownThreads() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }

  private boolean runOnLoop(Runnable task) {
    try {
      loop.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private <V> io.netty.util.concurrent.Future<V> onLoop(java.util.concurrent.Callable<V> task) {
    return loop.submit(task);
  }
}
