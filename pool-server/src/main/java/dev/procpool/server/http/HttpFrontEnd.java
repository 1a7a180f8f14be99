package dev.procpool.server.http;

import dev.procpool.ProcessPool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP server in front of a pool: binds, serves through {@link HttpChannelInitializer}, closes.
 * Uses only the public {@link ProcessPool} API. Its own event loop, so HTTP parsing never delays
 * the pool's dispatching.
 */
public final class HttpFrontEnd implements AutoCloseable {
  private final HttpLoop loop;
  private final Channel server;
  private final ChannelGroup connections;
  private final AtomicBoolean draining;
  private final HttpMeters meters;
  private final DashboardFeed dashboard;

  private HttpFrontEnd(
      HttpLoop loop,
      Channel server,
      ChannelGroup connections,
      AtomicBoolean draining,
      HttpMeters meters,
      DashboardFeed dashboard) {
    this.loop = loop;
    this.server = server;
    this.connections = connections;
    this.draining = draining;
    this.meters = meters;
    this.dashboard = dashboard;
  }

  /** Connections refused over the limit so far. */
  public long refusedConnections() {
    return (long) meters.refusedConnections.count();
  }

  /** Pipelined requests read and waiting their turn, over all connections. */
  public int heldRequests() {
    return meters.held.get();
  }

  /** Requests whose client went away before their answer; their jobs were cancelled. */
  public long abandonedRequests() {
    return (long) meters.clientGone.count();
  }

  /**
   * The server is draining: every dashboard stream gets a last {@code draining} event and ends, so
   * neither a drain nor a handover waits on it. Requests in flight are answered as usual.
   */
  public void endStreams() {
    for (Channel connection : connections) {
      connection.pipeline().fireUserEventTriggered(EventStreamRoute.END_STREAMS);
    }
  }

  /** Binds and starts serving; blocks until bound. */
  public static HttpFrontEnd start(ProcessPool pool, HttpSettings settings) {
    return start(Backend.local(pool), settings);
  }

  /** Binds and starts serving {@code backend}; blocks until bound. */
  public static HttpFrontEnd start(Backend backend, HttpSettings settings) {
    return start(backend, settings, HttpTracing.OFF);
  }

  /** Binds and starts serving {@code backend}, tracing its job requests; blocks until bound. */
  public static HttpFrontEnd start(Backend backend, HttpSettings settings, HttpTracing tracing) {
    return start(backend, settings, tracing, HttpLoop.create(settings.reusePort()));
  }

  /**
   * As {@link #start(Backend, HttpSettings, HttpTracing)}, on {@code loop}, made beforehand so that
   * the pool completes its futures on it; the front end owns the loop from now on.
   */
  public static HttpFrontEnd start(
      Backend backend, HttpSettings settings, HttpTracing tracing, HttpLoop loop) {
    int page = Dashboard.PAGE.length; // load the page here, not on the event loop
    assert page > 0;
    if (settings.reusePort() && !loop.epoll) {
      loop.close();
      throw new IllegalStateException("reuse-port needs an epoll loop: HttpLoop.create(true)");
    }
    EventLoopGroup group = loop.group;
    ChannelGroup connections = new DefaultChannelGroup(group.next());
    AtomicBoolean draining = new AtomicBoolean();
    HttpMeters meters = new HttpMeters(settings.prometheus());
    DashboardFeed dashboard = DashboardFeed.start(backend, settings.prometheus(), group.next());
    try {
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(group)
              // A client that does not read its answers fills the outbound buffer to the high
              // mark; the handler then stops serving it, and stops reading it (bounded memory).
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(32 * 1024, 64 * 1024))
              // One read of at most 64 KiB per wake-up, so that pausing reads takes effect at once:
              // that read is all a connection can add to its held requests past the limit.
              .childOption(
                  ChannelOption.RECVBUF_ALLOCATOR,
                  new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048, 64 * 1024)
                      .maxMessagesPerRead(1))
              .childHandler(
                  new HttpChannelInitializer(
                      backend, settings, connections, draining, meters, tracing, dashboard));
      if (settings.reusePort()) {
        bootstrap
            .channel(EpollServerSocketChannel.class)
            .option(EpollChannelOption.SO_REUSEPORT, true);
      } else {
        bootstrap.channel(NioServerSocketChannel.class);
      }
      Channel server =
          bootstrap
              .bind(new InetSocketAddress(settings.bind(), settings.port()))
              .syncUninterruptibly()
              .channel();
      return new HttpFrontEnd(loop, server, connections, draining, meters, dashboard);
    } catch (RuntimeException e) {
      dashboard.close();
      loop.close();
      throw e;
    }
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Stops accepting connections; open ones keep being served until {@link #close()}. */
  public void stopAccepting() {
    server.close().syncUninterruptibly();
  }

  /**
   * Hands over to another server on the same port (reuse-port): stops accepting, answers the
   * requests in flight with {@code Connection: close}, closes idle connections, and waits (at most
   * {@code timeoutMillis}) until no connection is left. Clients reconnect to the new server.
   */
  public void handOver(long timeoutMillis) throws InterruptedException {
    draining.set(true);
    stopAccepting();
    endStreams();
    for (Channel connection : connections) {
      connection.pipeline().fireUserEventTriggered(PipeliningGate.DRAIN);
    }
    long deadline =
        System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!connections.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20); // connections close on their own loop as their answers go out
    }
  }

  @Override
  public void close() {
    if (!loop.running()) {
      // Served on the pool's loop and the pool is closed: its connections went with the loop.
      dashboard.close();
      return;
    }
    dashboard.close();
    server.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
    loop.close();
  }
}
