package dev.procpool.server.http;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The front end's one event loop thread, made before the pool so that the pool can complete its
 * futures on it: give {@link #callbackExecutor()} to the pool's {@code callbackExecutor}. A job's
 * answer is then written where its future completes, and the hop through another thread (a wake-up
 * per batch of answers) is gone. The front end's own completions only hand a result to a
 * connection, so nothing slow runs on the loop; do not share it with callbacks that block.
 *
 * <p>{@link HttpFrontEnd} owns it once started with it and shuts it down on close; a future that
 * completes after that is completed on the pool's side (the pool runs a rejected hand-over inline).
 * {@link #close()} is idempotent.
 */
public final class HttpLoop implements AutoCloseable {
  final EventLoopGroup group;
  final boolean epoll;
  private final boolean owned;

  private HttpLoop(EventLoopGroup group, boolean epoll, boolean owned) {
    this.group = group;
    this.epoll = epoll;
    this.owned = owned;
  }

  /**
   * Serves on someone else's event loop (the pool's, {@code ProcessPool.eventLoop()}), which that
   * owner shuts down: {@link #close()} leaves it running. Empty when the loop cannot carry NIO TCP
   * sockets.
   */
  public static java.util.Optional<HttpLoop> sharing(EventLoop loop) {
    boolean nio = loop instanceof IoEventLoop io && io.isIoType(NioIoHandler.class);
    return nio
        ? java.util.Optional.of(new HttpLoop(loop, false, false))
        : java.util.Optional.empty();
  }

  /** True while the loop can still run tasks (an owner that shut it down has not yet). */
  boolean running() {
    return !group.isShuttingDown();
  }

  /** A loop for plain NIO sockets, or for epoll ones (reuse-port needs them). */
  public static HttpLoop create(boolean epoll) {
    if (epoll && !Epoll.isAvailable()) {
      throw new IllegalStateException(
          "reuse-port needs Linux epoll: " + Epoll.unavailabilityCause());
    }
    return new HttpLoop(
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("procpool-http", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory()),
        epoll,
        true);
  }

  /** Runs tasks on the loop's thread, in order; rejects them once the loop is shut down. */
  public Executor callbackExecutor() {
    EventLoop loop = group.next();
    return loop;
  }

  @Override
  public void close() {
    if (!owned) {
      return;
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
