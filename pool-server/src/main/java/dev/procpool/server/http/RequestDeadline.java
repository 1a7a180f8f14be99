package dev.procpool.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A whole request must arrive within the request timeout of its first byte, or the connection gets
 * 408 and is closed. An idle timeout alone cannot stop a slowloris client, which sends one byte
 * just often enough to never be idle; a chunked body that never ends is caught the same way.
 *
 * <p>Sits before the HTTP codec, so it sees raw bytes; {@link PipeliningGate} calls {@link
 * #requestComplete()} when a full request has been decoded. One instance per connection.
 */
final class RequestDeadline extends ChannelDuplexHandler {
  private final long timeoutMillis;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> deadline;
  private boolean awaitingNext = true;
  private boolean pausedMidRequest;

  RequestDeadline(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (awaitingNext && msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
      awaitingNext = false;
      deadline = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Reads are paused because the client pipelines ahead of its answers: the part of a request
   * already read is not its sender's delay, so its clock stops, and starts afresh on resume.
   */
  void pause() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
      pausedMidRequest = true;
    }
  }

  void resume() {
    if (pausedMidRequest) {
      pausedMidRequest = false;
      deadline = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** The request that started the clock is whole; the clock restarts with the next byte. */
  void requestComplete() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    pausedMidRequest = false;
    awaitingNext = true;
  }

  private void expire() {
    deadline = null;
    FullHttpResponse response =
        Json.closing(
            HttpError.REQUEST_TIMEOUT.response(
                "the request did not arrive within " + timeoutMillis + " ms"));
    // From the tail, so the response passes through the HTTP encoder behind this handler.
    ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
    ctx.fireChannelInactive();
  }
}
