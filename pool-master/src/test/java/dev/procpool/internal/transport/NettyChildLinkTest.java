package dev.procpool.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.Shutdown;
import dev.procpool.protocol.ToChild;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The link's batched writes on a real event loop (an {@code EmbeddedChannel} runs pending tasks
 * inside every write, so it cannot show when a flush happens): everything sent in one loop pass
 * leaves with one flush, in order, and a close right after a send still sends it.
 */
@Timeout(20)
class NettyChildLinkTest {
  private static final int MAX = 1024;

  private EventLoopGroup group;
  private Channel server;
  private Channel client;
  private final FlushCounter counter = new FlushCounter();
  private final List<ToChild> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void connect() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    LocalAddress address = new LocalAddress("link-test");
    server =
        new ServerBootstrap()
            .group(group)
            .channel(LocalServerChannel.class)
            .childHandler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                    ByteBuf frame = (ByteBuf) msg;
                    try {
                      // Frames sent together may arrive in one buffer, as over a socket.
                      while (frame.isReadable()) {
                        int length = frame.readInt();
                        received.add(
                            ToChild.parseFrom(frame.nioBuffer(frame.readerIndex(), length)));
                        frame.skipBytes(length);
                      }
                    } finally {
                      frame.release();
                    }
                  }
                })
            .bind(address)
            .sync()
            .channel();
    client =
        new Bootstrap()
            .group(group)
            .channel(LocalChannel.class)
            .handler(counter)
            .connect(address)
            .sync()
            .channel();
  }

  @AfterEach
  void close() throws Exception {
    client.close().sync();
    server.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private static ToChild job(long id) {
    return ToChild.newBuilder().setJob(JobRequest.newBuilder().setJobId(id).setType("t")).build();
  }

  /** Runs {@code task} on the loop and waits for it. */
  private <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
    return client.eventLoop().submit(task).get(10, TimeUnit.SECONDS);
  }

  @Test
  void sendsInOnePass_oneFlushAfterThePass_allInOrder() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    int flushesDuringThePass =
        onLoop(
            () -> {
              link.send(job(1));
              link.send(job(2));
              link.send(job(3));
              return counter.flushes;
            });
    assertEquals(0, flushesDuringThePass);
    // The flush task was queued before this one: it has run by now.
    assertEquals(1, (int) onLoop(() -> counter.flushes));
    assertEquals(3, (int) onLoop(() -> counter.writes));
    awaitReceived(3);
    for (int i = 0; i < 3; i++) {
      assertEquals(i + 1, received.get(i).getJob().getJobId());
    }
  }

  @Test
  void sendInALaterPass_flushedInItsOwnPass() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    onLoop(() -> sendAndCount(link, 1));
    onLoop(() -> sendAndCount(link, 2));
    assertEquals(2, (int) onLoop(() -> counter.flushes));
    awaitReceived(2);
  }

  @Test
  void closeRightAfterASend_theMessageLeavesFirst() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    onLoop(
        () -> {
          link.send(ToChild.newBuilder().setShutdown(Shutdown.getDefaultInstance()).build());
          link.close();
          return null;
        });
    awaitReceived(1);
    assertTrue(received.get(0).hasShutdown());
  }

  @Test
  void sendFromAnotherThread_flushedAtOnce() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    link.send(job(9));
    awaitReceived(1);
    assertEquals(9, received.get(0).getJob().getJobId());
  }

  private int sendAndCount(NettyChildLink link, long id) {
    link.send(job(id));
    return counter.flushes;
  }

  private void awaitReceived(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (received.size() < n && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(n, received.size());
  }

  /** Counts the writes and flushes that pass on their way to the socket; loop thread only. */
  private static final class FlushCounter extends ChannelDuplexHandler {
    int writes;
    int flushes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      writes++;
      ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      ctx.flush();
    }
  }
}
