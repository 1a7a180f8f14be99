package dev.procpool;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.procpool.internal.engine.Admission;
import dev.procpool.internal.engine.ChildSlot;
import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.EngineSettings;
import dev.procpool.internal.engine.EngineStatus;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.JobFuture;
import dev.procpool.internal.engine.PendingJob;
import dev.procpool.internal.engine.PoolMetrics;
import dev.procpool.internal.launch.ChildEntryPoint;
import dev.procpool.internal.launch.ChildLauncher;
import dev.procpool.internal.metrics.CountingMetrics;
import dev.procpool.internal.metrics.MicrometerPoolMetrics;
import dev.procpool.internal.transport.ChildChannelInitializer;
import dev.procpool.internal.transport.ChildServer;
import dev.procpool.internal.transport.NettyLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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
 * children live in an engine confined to the pool's single event loop, which this class only
 * hands work to. {@code submit} never blocks.
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
  /** A connection to the children's socket must say a valid hello this soon (a child connects only once ready). */
  private static final long HELLO_DEADLINE_MILLIS = 3_000;
  private static final Failure.Factory FAILURES =
      (code, jobId, message, remoteClass, remoteStack) ->
          new PoolException(FailureCode.valueOf(code.name()), jobId, message, remoteClass, remoteStack);

  private final PoolConfig config;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final ExecutorService blocking;
  private final AtomicLong jobIds = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long startedNanos = System.nanoTime();
  private final CountingMetrics metrics;
  private final ChildLauncher launcher;
  private final Engine engine;
  private final ChildServer server;

  /** Starts a pool with these settings; returns once every child is ready. */
  public static ProcessPool start(PoolConfig config) {
    return new ProcessPool(Objects.requireNonNull(config, "config"));
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
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-loop", true), NioIoHandler.newFactory());
    this.loop = group.next();
    this.blocking = Executors.newCachedThreadPool(new DefaultThreadFactory(name + "-launcher", true));
    this.metrics = new CountingMetrics(config.meterRegistry() == null ? PoolMetrics.NOOP
        : new MicrometerPoolMetrics(config.meterRegistry(), name, this::counts));
    Path socketPath;
    ChildEntryPoint entryPoint;
    try {
      entryPoint = ChildEntryPoint.resolve(config.childClasspathOverride(), config.childClasspath(), applicationLoader());
      socketPath = ChildServer.newSocketPath();
    } catch (IOException | IllegalStateException e) {
      shutdownThreads();
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": " + e.getMessage());
    }
    this.launcher = new ChildLauncher(name, config.javaExecutable(), config.childJvmOptions(), entryPoint, socketPath,
        config.maxFrameBytes(), config.childEnvironment(), config.classDataDirectory(), blocking);
    this.engine = new Engine(settings(config), new NettyLoop(loop), launcher, new Admission(config.queueCapacity()),
        config.callbackExecutor(), metrics, FAILURES, new SecureRandom());
    try {
      this.server = ChildServer.bind(group, socketPath,
          new ChildChannelInitializer(name, config.maxFrameBytes(), HELLO_DEADLINE_MILLIS, engine));
    } catch (IOException | RuntimeException e) {
      shutdownThreads();
      throw new PoolException(FailureCode.SPAWN_FAILED, -1, name + ": could not open the child socket: " + e);
    }
    awaitStarted();
  }

  /** For the gauges, which are first read after the engine exists. */
  private dev.procpool.internal.engine.Counts counts() {
    return engine.counts();
  }

  private static EngineSettings settings(PoolConfig c) {
    return new EngineSettings(c.name(), c.children(), c.maxChildren(), c.childIdleTimeout().toNanos(), c.maxJobsPerChild(),
        c.startTimeout().toNanos(), c.spawnFailureLimit(), c.recycleAboveHeapBytes(), c.recycleAboveRssBytes(),
        c.retryableJobTypes(), c.maxAttempts());
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
      CompletableFuture<Void> started = onLoop(engine::start).get();
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
      throw cause instanceof PoolException ? (PoolException) cause
          : new PoolException(FailureCode.SPAWN_FAILED, -1, config.name() + ": children did not start: " + cause);
    }
  }

  /**
   * Queues a job. Never blocks: when the job is invalid (no type, or a request larger than
   * {@code maxFrameBytes}), the queue is full or the pool is closed, the future is already failed
   * ({@code INVALID_REQUEST}, {@code QUEUE_FULL}, {@code POOL_CLOSED}) and no child is touched.
   */
  public <T> CompletableFuture<T> submit(Job<T> job) {
    Objects.requireNonNull(job, "job");
    long id = jobIds.incrementAndGet();
    JobFuture<T> future = new JobFuture<>();
    if (job.type() == null || job.type().isEmpty()) {
      return refused(future, FailureCode.INVALID_REQUEST, id, "", "it has no type");
    }
    long timeoutMillis = saturatedMillis(job.timeout().orElse(config.jobTimeout()));
    long bytes = PendingJob.requestBytes(id, job.type(), job.payload(), timeoutMillis);
    if (bytes > config.maxFrameBytes()) {
      return refused(future, FailureCode.INVALID_REQUEST, id, job.type(),
          "its request of " + bytes + " bytes exceeds maxFrameBytes (" + config.maxFrameBytes() + ")");
    }
    if (closed.get()) {
      return refused(future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    Admission admission = engine.admission();
    if (!admission.admit()) {
      return refused(future, FailureCode.QUEUE_FULL, id, job.type(), "queue full (capacity " + admission.capacity()
          + ", queued " + engine.counts().queued() + ", busy " + engine.counts().busy() + ")");
    }
    PendingJob<T> pending = new PendingJob<>(id, job.type(), job.payload(), timeoutMillis, job::decode, future, engine.jobContext());
    future.onCancel(() -> runOnLoop(() -> engine.cancel(pending)));
    if (!runOnLoop(() -> engine.enqueue(pending))) {
      admission.release();
      return refused(future, FailureCode.POOL_CLOSED, id, job.type(), "the pool is closed");
    }
    return future;
  }

  /** Millis of a duration, Long.MAX_VALUE if it has more: a huge timeout means "practically never". */
  private static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private <T> CompletableFuture<T> refused(CompletableFuture<T> future, FailureCode code, long id, String type, String why) {
    metrics.jobFailed(type, Failure.valueOf(code.name()), -1);
    future.completeExceptionally(new PoolException(code, id, config.name() + ": job " + id + " (" + type + ") refused: " + why));
    return future;
  }

  /** Why the pool cannot run jobs now (closed, or children keep failing to start); any thread. */
  public Optional<String> problem() {
    return closed.get() ? Optional.of(config.name() + " is closed") : Optional.ofNullable(engine.problem());
  }

  /** A consistent snapshot of the pool, taken on its event loop. */
  public CompletableFuture<PoolStatus> status() {
    CompletableFuture<PoolStatus> status = new CompletableFuture<>();
    boolean queued = runOnLoop(() -> {
      EngineStatus s = engine.status();
      long[] runMicros = metrics.runPercentilesMicros();
      List<PoolStatus.Child> children = new ArrayList<>();
      s.children().forEach(c -> children.add(new PoolStatus.Child(c.id(), c.pid(), PoolStatus.ChildState.valueOf(c.state().name()),
          c.jobsDone(), c.jobType(), c.jobMillis(), c.uptimeMillis(), c.heapBytes(), c.rssBytes())));
      status.complete(new PoolStatus(config.name(), problem().orElse(null), s.queued(), s.busy(), s.idle(),
          Duration.ofNanos(System.nanoTime() - startedNanos), List.copyOf(children), metrics.completed(), metrics.failed(),
          runMicros[0], runMicros[1]));
    });
    if (!queued) {
      status.completeExceptionally(new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"));
    }
    return status;
  }

  /**
   * Replaces every child, one at a time, without losing capacity or a job: each replacement
   * starts first, and an old child leaves only when idle. This is how changed handler code (a new
   * jar at the same path) goes live. Completes when every old child has exited.
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
    return onLoopFuture(() -> {
      List<CompletableFuture<BroadcastResult>> results = new ArrayList<>();
      for (ChildSlot child : engine.readyChildren()) {
        long id = jobIds.incrementAndGet();
        JobFuture<byte[]> future = new JobFuture<>();
        int childId = child.id();
        long pid = child.pid();
        results.add(future.handle((result, failure) -> new BroadcastResult(childId, pid, result,
            failure == null ? null : failure instanceof PoolException ? (PoolException) failure
                : new PoolException(FailureCode.CANCELLED, id, String.valueOf(failure)))));
        engine.admission().admitUnbounded();
        engine.pin(child, new PendingJob<>(id, type, bytes, timeoutMillis, ByteString::toByteArray, future, engine.jobContext()));
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
      try {
        onLoop(engine::drain).get().get(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("{}: drain timeout of {} ms passed; failing what is left", config.name(), config.drainTimeout().toMillis());
      }
      CompletableFuture<Void> exited = onLoop(() -> engine.stop(config.name() + ": the pool closed before the job could finish")).get();
      try {
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("{}: children did not exit within {} ms; killing them", config.name(), STOP_GRACE_MILLIS);
        onLoop(() -> {
          engine.killAll();
          return null;
        }).get();
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("{}: interrupted while closing", config.name());
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      log.error("{}: error while closing: {}", config.name(), e.toString());
    } finally {
      finishClose();
    }
  }

  private void finishClose() {
    try {
      int killed = launcher.killRemaining(STOP_GRACE_MILLIS);
      if (killed > 0) {
        log.warn("{}: killed {} children that were still running at close", config.name(), killed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      log.warn("{}: could not remove the socket directory: {}", config.name(), e.toString());
    }
    shutdownThreads();
    log.info("{}: closed", config.name());
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

  private <V> io.netty.util.concurrent.Future<V> onLoop(Callable<V> task) {
    return loop.submit(task);
  }

  /** Runs {@code action} on the loop; the caller's stages run on the callback executor. */
  private <V> CompletableFuture<V> onLoopFuture(Supplier<CompletableFuture<V>> action) {
    CompletableFuture<V> result = new CompletableFuture<>();
    boolean queued = !closed.get() && runOnLoop(() -> {
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
    });
    if (!queued) {
      result.completeExceptionally(new PoolException(FailureCode.POOL_CLOSED, -1, config.name() + " is closed"));
    }
    return result.thenApplyAsync(v -> v, config.callbackExecutor());
  }
}
