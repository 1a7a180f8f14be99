package dev.procpool.http;

import dev.procpool.ProcessPool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server in front of a pool: binds, serves through {@link HttpChannelInitializer}, closes.
 * Uses only the public {@link ProcessPool} API. Its own event loop, so HTTP parsing never delays
 * the pool's dispatching.
 */
public final class HttpFrontEnd implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup connections;

  private HttpFrontEnd(EventLoopGroup group, Channel server, ChannelGroup connections) {
    this.group = group;
    this.server = server;
    this.connections = connections;
  }

  /** Binds and starts serving; blocks until bound. */
  public static HttpFrontEnd start(ProcessPool pool, HttpSettings settings) {
    int page = Dashboard.PAGE.length; // load the page here, not on the event loop
    assert page > 0;
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("procpool-http", true), NioIoHandler.newFactory());
    ChannelGroup connections = new DefaultChannelGroup(group.next());
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(new HttpChannelInitializer(pool, settings, connections))
              .bind(new InetSocketAddress(settings.bind(), settings.port()))
              .syncUninterruptibly()
              .channel();
      return new HttpFrontEnd(group, server, connections);
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

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
