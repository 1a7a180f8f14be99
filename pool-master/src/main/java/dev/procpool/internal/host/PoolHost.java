package dev.procpool.internal.host;

import dev.procpool.internal.engine.Admission;
import dev.procpool.internal.engine.Defects;
import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.EngineSettings;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import dev.procpool.internal.launch.ChildEntryPoint;
import dev.procpool.internal.launch.ChildLauncher;
import dev.procpool.internal.launch.sandbox.SandboxProfile;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a pool runs on: its one event loop, the blocking threads that fork children, the
 * children's socket, the launcher and the engine; and the order in which they are opened and
 * closed. The public {@code ProcessPool} is a facade over it (through {@link EngineHost}).
 * Thread-safe: every method hops onto the loop or runs off it.
 */
public final class PoolHost implements EngineHost {
  private static final Logger log = LoggerFactory.getLogger(PoolHost.class);

  /** How long close waits for children to exit after asking them, before killing them. */
  private static final long STOP_GRACE_MILLIS = 5_000;

  /**
   * A connection to the children's socket must say a valid hello this soon (a child connects only
   * once ready). Fixed, not the start timeout: a stranger's silent connection must not hold a slot
   * for long (ProtocolFaultsIT). The soak saw children miss it at load average 38 on 2 cores.
   */
  private static final long HELLO_DEADLINE_MILLIS = 3_000;

  /** How to start the children, in the engine's terms. */
  public record Settings(
      EngineSettings engine,
      int queueCapacity,
      Path javaExecutable,
      List<String> jvmOptions,
      ChildEntryPoint entryPoint,
      int maxFrameBytes,
      Map<String, String> environment,
      Path classDataDirectory,
      Executor callbacks,
      SandboxProfile sandbox) {}

  private final String name;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final ExecutorService blocking;
  private final ChildLauncher launcher;
  private final Engine engine;
  private final Path socketPath;
  private final ChildChannelInitializer childInitializer;

  /** Bound by {@link #start}; null before. */
  private volatile ChildServer server;

  /**
   * Opens threads and engine and picks the socket's path; {@link #start} binds the socket and
   * starts the children.
   */
  public PoolHost(Settings settings, PoolMetrics metrics, Failure.Factory failures)
      throws IOException {
    this.name = settings.engine().poolName();
    // One event loop: the queue, the idle children and every child channel live on it, so the
    // hot path needs no lock.
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory(name + "-loop", true), NioIoHandler.newFactory());
    this.loop = group.next();
    this.blocking =
        Executors.newCachedThreadPool(new DefaultThreadFactory(name + "-launcher", true));
    Path socketPath = null;
    try {
      socketPath = ChildServer.newSocketPath();
      this.launcher =
          new ChildLauncher(
              name,
              settings.javaExecutable(),
              settings.jvmOptions(),
              settings.entryPoint(),
              socketPath,
              settings.maxFrameBytes(),
              settings.environment(),
              settings.classDataDirectory(),
              settings.sandbox(),
              TimeUnit.NANOSECONDS.toMillis(settings.engine().startTimeoutNanos()),
              blocking);
      this.engine =
          new Engine(
              settings.engine(),
              new NettyLoop(loop),
              launcher,
              new Admission(settings.queueCapacity()),
              settings.callbacks(),
              metrics,
              failures,
              new SecureRandom(),
              Defects.LOG);
      this.socketPath = socketPath;
      this.childInitializer =
          new ChildChannelInitializer(
              name, settings.maxFrameBytes(), HELLO_DEADLINE_MILLIS, engine);
    } catch (IOException | RuntimeException e) {
      if (socketPath != null) {
        ChildServer.discard(socketPath);
      }
      shutdownThreads();
      throw e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
    }
  }

  @Override
  public Map<String, String> sandboxStatus() {
    return launcher.sandboxStatus();
  }

  @Override
  public Engine engine() {
    return engine;
  }

  /**
   * Starts the children and waits until all are ready, or for why not. The children are spawned
   * first and the socket is bound while their JVMs start (a cold master spends ~90 ms loading
   * Netty's channel classes in the bind); a child that comes before the socket retries its
   * connection (ChildMain).
   */
  @Override
  public void start(long limitMillis)
      throws ExecutionException, TimeoutException, InterruptedException {
    io.netty.util.concurrent.Future<CompletableFuture<Void>> started = onLoop(engine::start);
    try {
      server = ChildServer.bind(group, socketPath, childInitializer);
    } catch (IOException | RuntimeException e) {
      throw new ExecutionException("could not bind the children's socket " + socketPath, e);
    }
    started.get().get(limitMillis, TimeUnit.MILLISECONDS);
  }

  /** The one event loop everything of this pool runs on (NIO). */
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public boolean inLoop() {
    return loop.inEventLoop();
  }

  @Override
  public boolean runOnLoop(Runnable task) {
    try {
      loop.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  @Override
  public long nanoTime() {
    return System.nanoTime(); // NettyLoop's clock
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  private <V> io.netty.util.concurrent.Future<V> onLoop(Callable<V> task) {
    return loop.submit(task);
  }

  /**
   * Drains for up to {@code drainTimeoutMillis}, fails what is left with {@code abandonReason},
   * stops every child and waits for it to exit (killing stragglers), then closes the socket and the
   * threads. Blocks; never call it on the loop.
   */
  @Override
  public void close(long drainTimeoutMillis, String abandonReason) {
    try {
      try {
        onLoop(engine::drain).get().get(drainTimeoutMillis, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn(
            "{}: drain timeout of {} ms passed; failing what is left", name, drainTimeoutMillis);
      }
      CompletableFuture<Void> exited = onLoop(() -> engine.stop(abandonReason)).get();
      try {
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("{}: children did not exit within {} ms; killing them", name, STOP_GRACE_MILLIS);
        onLoop(
                () -> {
                  engine.killAll();
                  return null;
                })
            .get();
        exited.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("{}: interrupted while closing", name);
    } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
      log.error("{}: error while closing: {}", name, e.toString());
    } finally {
      release();
    }
  }

  /** The last resort and the cleanup, whatever happened before. */
  private void release() {
    try {
      int killed = launcher.killRemaining(STOP_GRACE_MILLIS);
      if (killed > 0) {
        log.warn("{}: killed {} children that were still running at close", name, killed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    launcher.closeSandbox();
    try {
      if (server != null) {
        server.close();
      } else {
        ChildServer.discard(socketPath);
      }
    } catch (IOException e) {
      log.warn("{}: could not remove the socket directory: {}", name, e.toString());
    }
    shutdownThreads();
    log.info("{}: closed", name);
  }

  private void shutdownThreads() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }
}
