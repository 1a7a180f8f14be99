package dev.procpool.internal.transport;

import dev.procpool.internal.engine.ChildLink;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.ToChild;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child's connection as the engine sees it: a Netty channel. Each message is framed here and
 * written with the channel's void promise: no promise or listener per job. A write that fails on
 * the socket fires {@code exceptionCaught}, and {@link ChildMessageHandler} closes the channel,
 * which the engine hears as the child's channel closing (the path every lost child takes). A frame
 * over the cap, which the size check at submit rules out, takes the same path.
 */
final class NettyChildLink implements ChildLink {
  private static final Logger log = LoggerFactory.getLogger(NettyChildLink.class);

  private final Channel channel;
  private final int maxFrameBytes;
  private final String owner;

  /** {@code owner} names the pool and child for the log. */
  NettyChildLink(Channel channel, int maxFrameBytes, String owner) {
    this.channel = channel;
    this.maxFrameBytes = maxFrameBytes;
    this.owner = owner;
  }

  @Override
  public void send(ToChild message) {
    try {
      channel.writeAndFlush(
          ToChildFrames.encode(channel.alloc(), message, maxFrameBytes), channel.voidPromise());
    } catch (FrameException e) {
      log.error(
          "{}: could not send a {} message ({}); closing its connection",
          owner,
          message.getKindCase(),
          e.getMessage());
      channel.close();
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
