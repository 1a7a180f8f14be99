package dev.procpool.server.http;

import dev.procpool.ProcessPool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP server in front of a pool: binds, serves through {@link HttpChannelInitializer}, closes.
 * Uses only the public {@link ProcessPool} API. Its own event loop, so HTTP parsing never delays
 * the pool's dispatching.
 */
public final class HttpFrontEnd implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup connections;
  private final AtomicBoolean draining;
  private final HttpMeters meters;

  private HttpFrontEnd(
      EventLoopGroup group,
      Channel server,
      ChannelGroup connections,
      AtomicBoolean draining,
      HttpMeters meters) {
    this.group = group;
    this.server = server;
    this.connections = connections;
    this.draining = draining;
    this.meters = meters;
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
    int page = Dashboard.PAGE.length; // load the page here, not on the event loop
    assert page > 0;
    if (settings.reusePort() && !Epoll.isAvailable()) {
      throw new IllegalStateException(
          "reuse-port needs Linux epoll: " + Epoll.unavailabilityCause());
    }
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("procpool-http", true),
            settings.reusePort() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    ChannelGroup connections = new DefaultChannelGroup(group.next());
    AtomicBoolean draining = new AtomicBoolean();
    HttpMeters meters = new HttpMeters(settings.prometheus());
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
                  new HttpChannelInitializer(backend, settings, connections, draining, meters));
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
      return new HttpFrontEnd(group, server, connections, draining, meters);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
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
    server.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
