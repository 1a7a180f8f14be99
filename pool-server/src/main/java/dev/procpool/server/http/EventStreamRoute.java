package dev.procpool.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /events}: server-sent events, one status document a second, for the dashboard. The
 * connection is the stream's until the client goes. A client that does not read costs nothing: a
 * tick is skipped while the channel is not writable, and a stream unwritable for {@link
 * #UNWRITABLE_TICKS_BEFORE_CLOSE} ticks in a row is closed. At most {@code maxStreams} streams are
 * open over the whole server (503 beyond), fewer than the connections, so dashboards cannot take
 * every connection. One instance per connection, on its event loop.
 */
final class EventStreamRoute implements Route {
  /** User event: the server drains; end a stream with a last {@code draining} event. */
  static final Object END_STREAMS = new Object();

  static final int UNWRITABLE_TICKS_BEFORE_CLOSE = 10;
  static final long TICK_MILLIS = 1000;

  private final Backend backend;
  private final AtomicInteger openStreams;
  private final int maxStreams;
  private final HttpMeters meters;
  private ScheduledFuture<?> ticks;
  private int unwritableTicks;
  private boolean statusPending;

  EventStreamRoute(Backend backend, AtomicInteger openStreams, int maxStreams, HttpMeters meters) {
    this.backend = backend;
    this.openStreams = openStreams;
    this.maxStreams = maxStreams;
    this.meters = meters;
  }

  @Override
  public void serve(ChannelHandlerContext ctx, FullHttpRequest request, String rest) {
    if (openStreams.incrementAndGet() > maxStreams) {
      openStreams.decrementAndGet();
      meters.refusedStreams.increment();
      Route.answer(
          ctx,
          request,
          HttpError.TOO_MANY_STREAMS.response(
              "the server holds its limit of " + maxStreams + " event streams"));
      return;
    }
    request.release();
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.writeAndFlush(head);
    ticks =
        ctx.executor().scheduleAtFixedRate(() -> tick(ctx), 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    ScheduledFuture<?> mine = ticks;
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              mine.cancel(false);
              openStreams.decrementAndGet();
            });
  }

  private void tick(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (!ctx.channel().isWritable()) {
      // The client is not reading: writing on would grow the outbound buffer without bound.
      if (++unwritableTicks >= UNWRITABLE_TICKS_BEFORE_CLOSE) {
        meters.abandonedStreams.increment();
        ctx.close();
      }
      return;
    }
    unwritableTicks = 0;
    if (statusPending) {
      return; // the last document is still being made: one at a time
    }
    statusPending = true;
    backend
        .status()
        .whenComplete(
            (status, failure) -> {
              if (ctx.executor().inEventLoop()) {
                send(ctx, status);
              } else {
                ctx.executor().execute(() -> send(ctx, status));
              }
            });
  }

  private void send(ChannelHandlerContext ctx, Map<String, Object> status) {
    statusPending = false;
    if (status != null && ctx.channel().isActive() && ctx.channel().isWritable()) {
      ctx.writeAndFlush(
          new DefaultHttpContent(
              Unpooled.copiedBuffer(
                  "data: " + Json.write(status) + "\n\n", StandardCharsets.UTF_8)));
    }
  }

  /** The server drains: a last event tells the dashboard, then the stream ends. */
  void end(ChannelHandlerContext ctx) {
    if (ticks == null) {
      return;
    }
    ticks.cancel(false);
    ticks = null;
    ctx.write(
        new DefaultHttpContent(
            Unpooled.copiedBuffer(
                "event: draining\ndata: {\"status\":\"draining\"}\n\n", StandardCharsets.UTF_8)));
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
  }
}
