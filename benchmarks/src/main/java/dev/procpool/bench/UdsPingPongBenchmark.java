package dev.procpool.bench;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.FrameReader;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 3b. The transport ceiling: blocking ping-pong of procpool's own frames between this JVM and an
 * {@link UdsEchoPeer} JVM over a Unix-domain socket, one pair per benchmark thread. The pool's
 * no-op throughput is read as a fraction of this.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UdsPingPongBenchmark {
  private Path dir;
  private Process peer;
  private ServerSocketChannel server;
  private SocketChannel channel;
  private long id;
  private FrameReader reader;
  private final int max = Frames.DEFAULT_MAX_FRAME_BYTES;

  @Setup(Level.Trial)
  public void start() throws Exception {
    dir = Files.createTempDirectory("pp-bench-");
    Path socket = dir.resolve("s");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    peer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                UdsEchoPeer.class.getName(),
                socket.toString())
            .inheritIO()
            .start();
    channel = server.accept();
    reader = new FrameReader(channel, max);
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    channel.close();
    server.close();
    peer.waitFor(10, TimeUnit.SECONDS);
    peer.destroyForcibly();
    Files.deleteIfExists(dir.resolve("s"));
    Files.deleteIfExists(dir);
  }

  private ToMaster roundTrip() throws Exception {
    ToChild request =
        ToChild.newBuilder()
            .setJob(
                JobRequest.newBuilder()
                    .setJobId(++id)
                    .setType("echo")
                    .setPayload(ByteString.copyFrom(Payloads.ECHO_64)))
            .build();
    Frames.write(channel, request, max);
    return reader.read(ToMaster.parser());
  }

  @Benchmark
  @Threads(1)
  public ToMaster onePair() throws Exception {
    return roundTrip();
  }

  @Benchmark
  @Threads(2)
  public ToMaster twoPairs() throws Exception {
    return roundTrip();
  }
}
