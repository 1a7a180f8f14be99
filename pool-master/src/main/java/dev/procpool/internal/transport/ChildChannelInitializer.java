package dev.procpool.internal.transport;

import dev.procpool.internal.engine.Engine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** The pipeline of one child connection: frames in, messages in, frames out, then the handler. */
public final class ChildChannelInitializer extends ChannelInitializer<Channel> {
  private final String poolName;
  private final int maxFrameBytes;
  private final long helloTimeoutMillis;
  private final ToChildEncoder encoder;
  private final Engine engine;

  public ChildChannelInitializer(
      String poolName, int maxFrameBytes, long helloTimeoutMillis, Engine engine) {
    this.poolName = poolName;
    this.maxFrameBytes = maxFrameBytes;
    this.helloTimeoutMillis = helloTimeoutMillis;
    this.encoder = new ToChildEncoder(maxFrameBytes);
    this.engine = engine;
  }

  @Override
  protected void initChannel(Channel channel) {
    channel
        .pipeline()
        .addLast("frames", new FrameDecoder(maxFrameBytes))
        .addLast("messages", ToMasterDecoder.INSTANCE)
        .addLast("encoder", encoder)
        .addLast("handler", new ChildMessageHandler(poolName, engine, helloTimeoutMillis));
  }
}
