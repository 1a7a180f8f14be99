package dev.procpool.bench.experiments;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.bench.InFlightWindow;
import dev.procpool.bench.WindowedLoad;
import dev.procpool.protocol.FrameReader;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The "bare Netty relay of the same shape", against procpool warmed up: one event loop with
 * a FIFO queue and an idle set, 2 child JVMs that read a protobuf request and write a protobuf
 * reply on a Unix socket, one job per child at a time, no features (no timeouts, metrics, retries,
 * admission, status, cancel). Then procpool (defaults: pipelining on) and procpool without
 * pipelining, in the same JVM, rounds interleaved; each warmed with 200,000 no-op jobs, then
 * 100,000 measured, 128 in flight. {@code args[0]}: rounds (default 3). Prints a Markdown table.
 */
public final class RelayBaseline {
  private static final int WARMUP = 200_000;
  private static final int JOBS = 100_000;

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Path.of(args[1]));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    String[] names = {"bare relay", "procpool", "procpool, no pipelining"};
    List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < names.length; i++) {
        int which = (i + round) % names.length; // rotate who goes first
        rates.get(which).add(which == 0 ? relay() : pool(which == 1));
      }
    }
    double relay = median(rates.get(0));
    StringBuilder out =
        new StringBuilder(
            "| master | warmed no-op jobs/s (median) | vs bare relay | rounds |\n|---|---:|---:|---|\n");
    for (int i = 0; i < names.length; i++) {
      List<String> each = new ArrayList<>();
      for (double r : rates.get(i)) {
        each.add(String.format(Locale.ROOT, "%,.0f", r));
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %.2fx | %s |%n",
              names[i],
              median(rates.get(i)),
              median(rates.get(i)) / relay,
              String.join(", ", each)));
    }
    System.out.print(out);
  }

  private static double pool(boolean pipelining) throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(2).name("relay-vs").pipelining(pipelining).start()) {
      return WindowedLoad.rate(pool, Job.of("echo", new byte[0]), WARMUP, JOBS);
    }
  }

  // ---- the bare relay ----

  private static double relay() throws Exception {
    Path dir = Files.createTempDirectory("relay");
    Path socket = dir.resolve("s");
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Relay relay = new Relay();
    List<Process> children = new ArrayList<>();
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerDomainSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4))
                          .addLast(new ProtobufDecoder(ToMaster.getDefaultInstance()))
                          .addLast(new LengthFieldPrepender(4))
                          .addLast(new ProtobufEncoder())
                          .addLast(relay.handler());
                    }
                  })
              .bind(UnixDomainSocketAddress.of(socket))
              .sync()
              .channel();
      String java = ProcessHandle.current().info().command().orElse("java");
      for (int i = 0; i < 2; i++) {
        children.add(
            new ProcessBuilder(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    RelayBaseline.class.getName(),
                    "child",
                    socket.toString())
                .inheritIO()
                .start());
      }
      relay.awaitChildren(2);
      run(relay, group, WARMUP);
      long start = System.nanoTime();
      run(relay, group, JOBS);
      double rate = JOBS / ((System.nanoTime() - start) / 1e9);
      server.close().sync();
      return rate;
    } finally {
      for (Process child : children) {
        child.destroyForcibly().waitFor();
      }
      group.shutdownGracefully().sync();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  private static void run(Relay relay, EventLoopGroup group, int n) throws Exception {
    InFlightWindow window = new InFlightWindow(WindowedLoad.IN_FLIGHT);
    for (int i = 0; i < n; i++) {
      window.submit(
          () -> {
            CompletableFuture<byte[]> future = new CompletableFuture<>();
            group.next().execute(() -> relay.enqueue(future));
            return future;
          });
    }
    window.drain();
  }

  /** Loop-confined: a FIFO of waiting jobs and a set of idle children, nothing else. */
  private static final class Relay {
    private final ArrayDeque<CompletableFuture<byte[]>> queue = new ArrayDeque<>();
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final java.util.Map<Channel, CompletableFuture<byte[]>> running =
        new java.util.HashMap<>();
    private final java.util.concurrent.CountDownLatch connected =
        new java.util.concurrent.CountDownLatch(2);
    private long nextId;

    SimpleChannelInboundHandler<ToMaster> handler() {
      return new SimpleChannelInboundHandler<>() {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
          idle.addLast(ctx.channel());
          connected.countDown();
          dispatch();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ToMaster message) {
          CompletableFuture<byte[]> done = running.remove(ctx.channel());
          idle.addLast(ctx.channel());
          dispatch();
          done.complete(message.getReply().getResult().toByteArray());
        }
      };
    }

    void awaitChildren(int n) throws InterruptedException {
      connected.await();
    }

    void enqueue(CompletableFuture<byte[]> job) {
      queue.addLast(job);
      dispatch();
    }

    private void dispatch() {
      while (!queue.isEmpty() && !idle.isEmpty()) {
        Channel child = idle.pollLast();
        running.put(child, queue.pollFirst());
        child.writeAndFlush(
            ToChild.newBuilder()
                .setJob(JobRequest.newBuilder().setJobId(++nextId).setType("echo"))
                .build());
      }
    }
  }

  /** The relay's child: read a request, write its reply, repeat; nothing else. */
  private static void child(Path socket) throws Exception {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      FrameReader reader = new FrameReader(channel, 1 << 20);
      for (ToChild message = reader.read(ToChild.parser());
          message != null;
          message = reader.read(ToChild.parser())) {
        Frames.write(
            channel,
            ToMaster.newBuilder()
                .setReply(JobReply.newBuilder().setJobId(message.getJob().getJobId()))
                .build(),
            1 << 20);
      }
    } catch (java.io.IOException e) {
      // the master closed: done
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
