package dev.procpool.internal.transport;

import dev.procpool.internal.engine.ChildLink;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.ToChild;
import io.netty.channel.Channel;
import java.util.function.Consumer;

/**
 * A child's connection as the engine sees it: a Netty channel. Each message is framed here and
 * written with the channel's void promise: no promise or listener per job. A write that fails on
 * the socket fires {@code exceptionCaught}, and {@link ChildMessageHandler} closes the channel,
 * which the engine hears as the child's channel closing (the path every lost child takes).
 */
final class NettyChildLink implements ChildLink {
  private final Channel channel;
  private final int maxFrameBytes;

  NettyChildLink(Channel channel, int maxFrameBytes) {
    this.channel = channel;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public void send(ToChild message, Consumer<Throwable> onFailure) {
    try {
      channel.writeAndFlush(
          ToChildFrames.encode(channel.alloc(), message, maxFrameBytes), channel.voidPromise());
    } catch (FrameException e) {
      onFailure.accept(e);
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
