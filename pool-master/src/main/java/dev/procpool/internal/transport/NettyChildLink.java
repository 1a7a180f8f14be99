package dev.procpool.internal.transport;

import dev.procpool.internal.engine.ChildLink;
import dev.procpool.protocol.ToChild;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.function.Consumer;

/** A child's connection as the engine sees it: a Netty channel whose failed writes are reported. */
final class NettyChildLink implements ChildLink {
  private final Channel channel;

  NettyChildLink(Channel channel) {
    this.channel = channel;
  }

  @Override
  public void send(ToChild message, Consumer<Throwable> onFailure) {
    channel
        .writeAndFlush(message)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    onFailure.accept(f.cause());
                  }
                });
  }

  @Override
  public void close() {
    channel.close();
  }
}
