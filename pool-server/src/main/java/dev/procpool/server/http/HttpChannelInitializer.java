package dev.procpool.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The pipeline of one HTTP connection. */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
  static final int MAX_INITIAL_LINE = 4096;
  static final int MAX_HEADER_BYTES = 8192;

  private final Backend backend;
  private final HttpSettings settings;
  private final ChannelGroup connections;
  private final java.util.concurrent.atomic.AtomicBoolean draining;
  private final HttpMeters meters;
  private final HostOriginGate hostOriginGate;
  private final java.util.concurrent.atomic.AtomicInteger openStreams =
      new java.util.concurrent.atomic.AtomicInteger();

  HttpChannelInitializer(
      Backend backend,
      HttpSettings settings,
      ChannelGroup connections,
      java.util.concurrent.atomic.AtomicBoolean draining,
      HttpMeters meters) {
    this.backend = backend;
    this.settings = settings;
    this.connections = connections;
    this.draining = draining;
    this.meters = meters;
    this.hostOriginGate =
        new HostOriginGate(settings.bind(), settings.allowedHosts(), settings.allowedOrigins());
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    if (connections.size() >= settings.maxConnections()) {
      // Over the limit: a clear answer, then close; the connections already open are served on.
      meters.refusedConnections.increment();
      FullHttpResponse refused =
          Json.closing(
              HttpError.TOO_MANY_CONNECTIONS.response(
                  "the server holds its limit of " + settings.maxConnections() + " connections"));
      channel.pipeline().addLast(new HttpServerCodec());
      channel.writeAndFlush(refused).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    connections.add(channel);
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast(new ReadGate());
    pipeline.addLast(
        new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    pipeline.addLast(new RequestDeadline(settings.requestTimeout().toMillis()));
    pipeline.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
    pipeline.addLast(new BodyLimit(settings.maxBodyBytes()));
    // One request at a time passes the gate; the Host/Origin check answers through it, so a
    // refusal is a request's answer like any other.
    pipeline.addLast(new PipeliningGate(draining, meters));
    pipeline.addLast(hostOriginGate);
    pipeline.addLast(
        new Router(
            new JobRoute(backend, settings, meters),
            new StatusRoute(backend, settings),
            new EventStreamRoute(backend, openStreams, settings.maxStreams(), meters),
            settings.adminToken() == null ? null : new AdminRoute(backend, settings.adminToken())));
  }

  /**
   * Aggregates a body up to the limit; a declared or actual larger body gets a JSON 413, then
   * close.
   */
  private static final class BodyLimit extends HttpObjectAggregator {
    private final int maxBodyBytes;

    BodyLimit(int maxBodyBytes) {
      super(maxBodyBytes);
      this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      FullHttpResponse response =
          Json.closing(
              HttpError.BODY_TOO_LARGE.response(
                  "request body exceeds the limit of " + maxBodyBytes + " bytes"));
      // The rest of the body is still on the wire: the connection cannot be reused.
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
