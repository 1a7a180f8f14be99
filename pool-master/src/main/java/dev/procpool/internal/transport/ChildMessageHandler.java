package dev.procpool.internal.transport;

import dev.procpool.internal.engine.ChildSlot;
import dev.procpool.internal.engine.Engine;
import dev.procpool.protocol.ToMaster;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one child connection's messages into engine calls. The first message must be a valid hello
 * within the start timeout, else the connection is dropped; after that only replies are allowed.
 * One instance per connection; runs on the pool's event loop.
 */
public final class ChildMessageHandler extends SimpleChannelInboundHandler<ToMaster> {
  private static final Logger log = LoggerFactory.getLogger(ChildMessageHandler.class);

  private final String poolName;
  private final Engine engine;
  private final long helloTimeoutMillis;
  private final int maxFrameBytes;
  private ChildSlot child;

  /** This connection's link, once the child said hello; its writes are flushed per read burst. */
  private NettyChildLink link;

  /** This connection is the child's control channel (stack requests), not its job channel. */
  private boolean control;

  private ScheduledFuture<?> helloDeadline;

  public ChildMessageHandler(
      String poolName, Engine engine, long helloTimeoutMillis, int maxFrameBytes) {
    this.poolName = poolName;
    this.maxFrameBytes = maxFrameBytes;
    this.engine = engine;
    this.helloTimeoutMillis = helloTimeoutMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    helloDeadline =
        ctx.executor()
            .schedule(
                () -> {
                  if (child == null) {
                    log.warn(
                        "{}: dropped a connection that did not say hello within {} ms",
                        poolName,
                        helloTimeoutMillis);
                    ctx.close();
                  }
                },
                helloTimeoutMillis,
                TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ToMaster message) {
    if (child == null) {
      if (!message.hasHello()) {
        log.warn(
            "{}: dropped a connection whose first message was {}, not a hello",
            poolName,
            message.getKindCase());
        ctx.close();
        return;
      }
      control = message.getHello().getControl();
      link =
          new NettyChildLink(
              ctx.channel(),
              maxFrameBytes,
              poolName + ": child " + message.getHello().getChildId());
      child =
          control
              ? engine.onControlHello(link, message.getHello())
              : engine.onHello(link, message.getHello());
      if (child == null) {
        ctx.close();
      } else {
        helloDeadline.cancel(false);
      }
      return;
    }
    if (control) {
      if (message.hasStack()) {
        engine.onStack(child, message.getStack());
      } else if (message.hasSkipAnswer()) {
        engine.onSkipAnswer(child, message.getSkipAnswer());
      } else {
        engine.onProtocolError(
            child,
            "sent an unexpected " + message.getKindCase() + " message on its control channel");
      }
      return;
    }
    if (message.hasReply()) {
      engine.onReply(child, message.getReply());
    } else {
      engine.onProtocolError(child, "sent an unexpected " + message.getKindCase() + " message");
    }
  }

  /**
   * The end of one read burst (every frame read in this wake-up has been handled): the jobs the
   * engine sent this child in answer leave now, in one write, rather than after the loop has read
   * every other child. What it sent other children leaves at their own read's end or with their
   * link's flush task.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (link != null) {
      link.flushIfWritten();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof DecoderException)) {
      // An I/O error: a write that failed (links write with the void promise, so it lands here)
      // or a read that did. The child is dying or unreachable. Not closed here: a failed read
      // closes the channel by itself, and after a failed write what the child wrote before it
      // died must still be read, up to the end of stream, which closes it (Roster.onExit decides
      // the loss on it). Its exit fails its job as CHILD_CRASHED with the exit status, which
      // says more than the socket error.
      log.debug("{}: connection of {} failed: {}", poolName, child, cause.toString());
      return;
    }
    if (child != null) {
      engine.onProtocolError(
          child,
          "broke the protocol"
              + (control ? " on its control channel: " : ": ")
              + cause.getMessage());
    } else {
      log.warn("{}: dropped an unidentified connection: {}", poolName, cause.getMessage());
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (helloDeadline != null) {
      helloDeadline.cancel(false);
    }
    if (child != null && control) {
      engine.onControlClosed(child);
    } else if (child != null) {
      engine.onChannelClosed(child);
    }
    ctx.fireChannelInactive();
  }
}
