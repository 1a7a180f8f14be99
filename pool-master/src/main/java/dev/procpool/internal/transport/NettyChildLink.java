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
 *
 * <p>Writes are batched: a message sent on the loop is written without a flush, and the first one
 * since the last flush queues one {@link FlushTask} behind the loop's pending tasks. Everything the
 * engine sends this child in the same loop pass (one dispatch round after a read of several
 * replies, or a burst of submissions) then leaves in one {@code write} system call, and the child
 * reads it in one. The task runs in the same pass of the loop, after the reads and the tasks
 * already queued, so a message waits microseconds at most. The engine needs no hook for it.
 */
final class NettyChildLink implements ChildLink {
  private static final Logger log = LoggerFactory.getLogger(NettyChildLink.class);

  private final Channel channel;
  private final int maxFrameBytes;
  private final String owner;
  private final FlushTask flushTask = new FlushTask();

  /** A flush is queued on the loop. Loop thread only. */
  private boolean flushQueued;

  /** {@code owner} names the pool and child for the log. */
  NettyChildLink(Channel channel, int maxFrameBytes, String owner) {
    this.channel = channel;
    this.maxFrameBytes = maxFrameBytes;
    this.owner = owner;
  }

  @Override
  public void send(ToChild message) {
    try {
      if (!channel.eventLoop().inEventLoop()) {
        // Not the engine's path (it runs on the loop); Netty hands the write to the loop.
        channel.writeAndFlush(
            ToChildFrames.encode(channel.alloc(), message, maxFrameBytes), channel.voidPromise());
        return;
      }
      channel.write(
          ToChildFrames.encode(channel.alloc(), message, maxFrameBytes), channel.voidPromise());
      if (!flushQueued) {
        flushQueued = true;
        channel.eventLoop().execute(flushTask);
      }
    } catch (FrameException e) {
      log.error(
          "{}: could not send a {} message ({}); closing its connection",
          owner,
          message.getKindCase(),
          e.getMessage());
      close();
    }
  }

  @Override
  public void close() {
    // Netty drops what was written but not flushed when a channel closes: a shutdown message sent
    // just before must still leave.
    if (channel.eventLoop().inEventLoop() && flushQueued) {
      flushQueued = false;
      channel.flush();
    }
    channel.close();
  }

  /** Flushes what the link wrote since the last flush; one instance per link, reused. */
  private final class FlushTask implements Runnable {
    @Override
    public void run() {
      if (flushQueued) {
        flushQueued = false;
        channel.flush();
      }
    }
  }
}
