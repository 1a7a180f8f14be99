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
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The link's batched writes on a real event loop (an {@code EmbeddedChannel} runs pending tasks
 * inside every write, so it cannot show when a flush happens): what is sent while a read burst is
 * handled leaves with one flush at the burst's end; everything else sent in one loop pass leaves
 * with one flush after the pass; whatever the order of sends and read ends, no write is left
 * unflushed once the pass is over; and a close right after a send still sends it.
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

  @Test
  void sendsWhileAReadIsHandled_leaveInOneFlushAtTheReadsEnd() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    List<Integer> flushesAtReadEnd = new CopyOnWriteArrayList<>();
    // What ChildMessageHandler does: the engine sends in answer to each message read, and the
    // end of the read burst flushes the link.
    client
        .pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf reply = (ByteBuf) msg;
                long first = reply.readLong();
                reply.release();
                for (long id = first; id < first + 3; id++) {
                  link.send(job(id));
                }
              }

              @Override
              public void channelReadComplete(ChannelHandlerContext ctx) {
                link.flushIfWritten();
                flushesAtReadEnd.add(counter.flushes);
                ctx.fireChannelReadComplete();
              }
            });
    // One read burst of two replies, as the loop's read of a socket fires it.
    onLoop(
        () -> {
          client.pipeline().fireChannelRead(client.alloc().buffer(8).writeLong(1));
          client.pipeline().fireChannelRead(client.alloc().buffer(8).writeLong(4));
          client.pipeline().fireChannelReadComplete();
          return null;
        });
    awaitReceived(6);
    assertEquals(List.of(1), flushesAtReadEnd, "one burst, flushed at its end, not by the task");
    assertEquals(6, (int) onLoop(() -> counter.writes));
    assertEquals(1, (int) onLoop(() -> counter.flushes), "the queued flush task found nothing");
    for (int i = 0; i < 6; i++) {
      assertEquals(i + 1, received.get(i).getJob().getJobId());
    }
  }

  @Test
  void sendAfterAReadEndFlushed_inTheSamePass_stillLeaves() throws Exception {
    // The flush task queued by the burst's first write is still queued when the burst's end
    // flushes; a write after that in the same pass (a submission, a timer) must still leave.
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    int flushesInThePass =
        onLoop(
            () -> {
              link.send(job(1));
              link.flushIfWritten();
              link.send(job(2));
              return counter.flushes;
            });
    assertEquals(1, flushesInThePass);
    assertEquals(0, (int) onLoop(() -> counter.unflushed));
    assertEquals(2, (int) onLoop(() -> counter.flushes));
    awaitReceived(2);
    assertEquals(2, received.get(1).getJob().getJobId());
  }

  @Test
  void anyOrderOfSendsAndReadEnds_nothingLeftUnflushedAfterThePass() throws Exception {
    NettyChildLink link = new NettyChildLink(client, MAX, "test");
    long sent = 0;
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      int steps = 1 + random.nextInt(8);
      long first = sent;
      sent =
          onLoop(
              () -> {
                long id = first;
                for (int step = 0; step < steps; step++) {
                  if (random.nextInt(3) == 0) {
                    link.flushIfWritten(); // a read burst's end
                  } else {
                    link.send(job(++id));
                  }
                }
                return id;
              });
      assertEquals(0, (int) onLoop(() -> counter.unflushed), "seed " + seed + ": left unflushed");
    }
    awaitReceived((int) sent);
    for (int i = 0; i < sent; i++) {
      assertEquals(i + 1, received.get(i).getJob().getJobId());
    }
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

    /** Writes since the last flush. */
    int unflushed;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      writes++;
      unflushed++;
      ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      unflushed = 0;
      ctx.flush();
    }
  }
}
