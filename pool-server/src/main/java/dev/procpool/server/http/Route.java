package dev.procpool.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * One kind of request, chosen by the {@link Router}. A route answers each request it is given
 * exactly once, from any thread, and releases it: {@link #answer} does both.
 */
interface Route {
  /**
   * @param rest the path after the route's prefix ({@code /jobs/echo} gives {@code echo})
   */
  void serve(ChannelHandlerContext ctx, FullHttpRequest request, String rest);

  static void answer(
      ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
    request.release();
    ctx.writeAndFlush(response); // off the loop, Netty queues the write onto it, in order
  }
}
