package dev.procpool.master.transport;

import dev.procpool.master.children.ChildRoster;
import dev.procpool.master.dispatch.Dispatcher;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** The pipeline of one child connection: frames in, messages in, frames out, then the handler. */
public final class ChildChannelInitializer extends ChannelInitializer<Channel> {
  private final String poolName;
  private final int maxFrameBytes;
  private final long helloTimeoutMillis;
  private final ToChildEncoder encoder;
  private ChildRoster roster;
  private Dispatcher dispatcher;

  public ChildChannelInitializer(String poolName, int maxFrameBytes, long helloTimeoutMillis) {
    this.poolName = poolName;
    this.maxFrameBytes = maxFrameBytes;
    this.helloTimeoutMillis = helloTimeoutMillis;
    this.encoder = new ToChildEncoder(maxFrameBytes);
  }

  /** Set before the first child connects. */
  public void route(ChildRoster roster, Dispatcher dispatcher) {
    this.roster = roster;
    this.dispatcher = dispatcher;
  }

  @Override
  protected void initChannel(Channel channel) {
    channel
        .pipeline()
        .addLast("frames", new FrameDecoder(maxFrameBytes))
        .addLast("messages", ToMasterDecoder.INSTANCE)
        .addLast("encoder", encoder)
        .addLast("handler", new ChildMessageHandler(poolName, roster, dispatcher, helloTimeoutMillis));
  }
}
