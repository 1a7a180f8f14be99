package dev.procpool.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets one request at a time through to the handlers behind it, in arrival order; the next passes
 * when the answer to this one is written. Pipelined requests wait here, bounded: at {@link
 * #MAX_PIPELINED} requests or {@link #MAX_PIPELINED_BYTES} of bodies the {@link ReadGate} closes,
 * so one connection cannot fill the heap however much it pipelines. A client that does not read its
 * answers is served nothing more until the channel is writable again.
 *
 * <p>It also finishes every answer: {@code Content-Length}, and keep-alive as the request asked
 * unless the server drains or the answer says {@code Connection: close}. An answer that is not a
 * {@link FullHttpResponse} hands the connection to a stream (the dashboard's events): nothing more
 * is read as a request. One instance per connection, on its event loop.
 */
final class PipeliningGate extends ChannelDuplexHandler {
  /** User event: the server is handing over; close this connection once it is idle. */
  static final Object DRAIN = new Object();

  static final int MAX_PIPELINED = 16;

  /**
   * Reads also pause once the held requests' bodies reach this many bytes. (Requests already
   * decoded from the read in progress still join: the true bound adds what one read of at most 64
   * KiB holds.)
   */
  static final long MAX_PIPELINED_BYTES = 1024 * 1024;

  private final AtomicBoolean draining;
  private final HttpMeters meters;
  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private long pendingBytes;

  /** A request is through and its answer not yet written. */
  private boolean busy;

  private boolean keepAliveAsked;
  private boolean waitingForWritable;
  private boolean streaming;
  private boolean closing;

  PipeliningGate(AtomicBoolean draining, HttpMeters meters) {
    this.draining = draining;
    this.meters = meters;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    // The request is whole: its own deadline is met, whatever waits ahead of it.
    RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
    if (deadline != null) {
      deadline.requestComplete();
    }
    if (streaming || closing) {
      request.release(); // nothing more is read on a stream or a closing connection
      return;
    }
    if (busy || waitingForWritable || !pending.isEmpty()) {
      pending.addLast(request);
      pendingBytes += request.content().readableBytes();
      meters.held.incrementAndGet();
      if (pending.size() >= MAX_PIPELINED || pendingBytes >= MAX_PIPELINED_BYTES) {
        readGate(ctx).close();
        if (deadline != null) {
          deadline.pause();
        }
      }
      return;
    }
    pass(ctx, request);
  }

  private void pass(ChannelHandlerContext ctx, FullHttpRequest request) {
    busy = true;
    keepAliveAsked = HttpUtil.isKeepAlive(request);
    ctx.fireChannelRead(request);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof HttpResponse response) || !busy) {
      ctx.write(msg, promise); // a stream's content, or an answer written by a handler before us
      return;
    }
    busy = false;
    if (!(response instanceof FullHttpResponse full)) {
      // A stream's head: the connection is the stream's from now on, and no request is in flight.
      streaming = true;
      releasePending();
      ctx.write(msg, promise);
      return;
    }
    boolean keepAlive =
        keepAliveAsked
            && !draining.get() // handing over: the client reconnects, to the new server
            && !full.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    full.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
    HttpUtil.setKeepAlive(full, keepAlive);
    if (!keepAlive) {
      closing = true;
      releasePending();
      ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.write(msg, promise);
    if (ctx.channel().isWritable()) {
      passNext(ctx);
    } else {
      waitingForWritable = true; // the client is not reading: hold the next until it does
    }
  }

  private void passNext(ChannelHandlerContext ctx) {
    FullHttpRequest next = pending.pollFirst();
    if (next != null) {
      meters.held.decrementAndGet();
      pendingBytes -= next.content().readableBytes();
    }
    ReadGate gate = readGate(ctx);
    if (pending.size() < MAX_PIPELINED && pendingBytes < MAX_PIPELINED_BYTES && gate.isClosed()) {
      gate.open();
      RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
      if (deadline != null) {
        deadline.resume();
      }
    }
    if (next != null) {
      pass(ctx, next);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (waitingForWritable && ctx.channel().isWritable()) {
      waitingForWritable = false;
      passNext(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == DRAIN) {
      if (streaming) {
        ctx.fireUserEventTriggered(EventStreamRoute.END_STREAMS);
      } else if (!busy) {
        ctx.close();
      }
    } else if (event instanceof IdleStateEvent) {
      if (!busy) { // a long job is not idleness: only close between requests
        ctx.close();
      }
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePending();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset or a broken pipe: nothing to answer on
  }

  private void releasePending() {
    for (FullHttpRequest request = pending.pollFirst();
        request != null;
        request = pending.pollFirst()) {
      meters.held.decrementAndGet();
      pendingBytes -= request.content().readableBytes();
      request.release();
    }
  }

  private static ReadGate readGate(ChannelHandlerContext ctx) {
    return ctx.pipeline().get(ReadGate.class);
  }
}
