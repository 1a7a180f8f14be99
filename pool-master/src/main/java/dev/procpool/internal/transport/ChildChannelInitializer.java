package dev.procpool.internal.transport;

import dev.procpool.internal.engine.Engine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * The pipeline of one child connection: frames in, parsed into messages, then the handler. Frames
 * out are encoded by the link ({@link NettyChildLink}), so a job's write passes no handler.
 */
public final class ChildChannelInitializer extends ChannelInitializer<Channel> {
  private final String poolName;
  private final int maxFrameBytes;
  private final long helloTimeoutMillis;
  private final Engine engine;

  public ChildChannelInitializer(
      String poolName, int maxFrameBytes, long helloTimeoutMillis, Engine engine) {
    this.poolName = poolName;
    this.maxFrameBytes = maxFrameBytes;
    this.helloTimeoutMillis = helloTimeoutMillis;
    this.engine = engine;
  }

  @Override
  protected void initChannel(Channel channel) {
    channel
        .pipeline()
        .addLast("frames", new FrameDecoder(maxFrameBytes))
        .addLast(
            "handler",
            new ChildMessageHandler(poolName, engine, helloTimeoutMillis, maxFrameBytes));
  }
}
