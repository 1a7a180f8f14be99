package dev.procpool.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * Stops reading from a connection while it holds as many pipelined requests as it may. Turning
 * auto-read off is not enough: the HTTP decoder and aggregator ask for another read whenever they
 * hold part of a message. First in the pipeline, this swallows every read request while closed and
 * makes one when opened again. One instance per connection, on its event loop.
 */
final class ReadGate extends ChannelDuplexHandler {
  private ChannelHandlerContext ctx;
  private boolean closed;
  private boolean readWanted;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void close() {
    closed = true;
    ctx.channel().config().setAutoRead(false);
  }

  void open() {
    if (closed) {
      closed = false;
      ctx.channel().config().setAutoRead(true); // also asks for a read
      if (readWanted) {
        readWanted = false;
        ctx.read();
      }
    }
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (closed) {
      readWanted = true;
    } else {
      ctx.read();
    }
  }
}
