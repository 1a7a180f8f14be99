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
 * <p>Writes are batched: a message sent on the loop is written without a flush, and leaves at the
 * first of two flushes:
 *
 * <ul>
 *   <li>the end of a read burst on this child's connection ({@link #flushIfWritten}, called by
 *       {@link ChildMessageHandler#channelReadComplete}): the jobs the engine sends this child in
 *       answer to the replies read in one wake-up leave together, before the loop reads the next
 *       child, in one {@code write} system call that the child reads in one;
 *   <li>otherwise the {@link FlushTask} that the first unflushed write queues behind the loop's
 *       pending tasks: a job sent for another reason (a submission, a timer, another child's reply,
 *       a skip request on a control connection) leaves in the same pass of the loop, after the
 *       reads and the tasks already queued, so it waits microseconds at most.
 * </ul>
 *
 * <p>No write is ever left unflushed: whenever something is written and not flushed, a flush task
 * is queued ({@code written} implies {@code flushTaskQueued}; only the task clears the latter, and
 * it flushes). The engine needs no hook for any of it.
 */
final class NettyChildLink implements ChildLink {
  private static final Logger log = LoggerFactory.getLogger(NettyChildLink.class);

  private final Channel channel;
  private final int maxFrameBytes;
  private final String owner;
  private final FlushTask flushTask = new FlushTask();

  /** Something was written since the last flush. Loop thread only. */
  private boolean written;

  /**
   * The flush task is queued on the loop and has not run: at most one at a time, however many read
   * bursts flush in between. Loop thread only.
   */
  private boolean flushTaskQueued;

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
      written = true;
      if (!flushTaskQueued) {
        channel.eventLoop().execute(flushTask);
        flushTaskQueued = true;
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

  /**
   * Flushes what was written since the last flush, if anything: at the end of a read burst on this
   * connection. Loop thread only. The flush task, if queued, stays queued and finds nothing to do.
   */
  void flushIfWritten() {
    if (written) {
      written = false;
      channel.flush();
    }
  }

  @Override
  public void close() {
    // Netty drops what was written but not flushed when a channel closes: a shutdown message sent
    // just before must still leave.
    if (channel.eventLoop().inEventLoop()) {
      flushIfWritten();
    }
    channel.close();
  }

  /** Flushes what the link wrote since the last flush; one instance per link, reused. */
  private final class FlushTask implements Runnable {
    @Override
    public void run() {
      flushTaskQueued = false;
      flushIfWritten();
    }
  }
}
