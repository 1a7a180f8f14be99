package dev.procpool.bench;

import dev.procpool.server.demo.Echo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * 3a. The same echo handler on an in-process {@code ThreadPoolExecutor} of 2 threads, with the same
 * in-flight window: what the work costs with no process boundary (and no isolation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class InProcessBaselineBenchmark {
  private ThreadPoolExecutor executor;
  private InFlightWindow window;
  private final Echo handler = new Echo();

  @Setup(Level.Trial)
  public void start() {
    executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    window = new InFlightWindow(64);
  }

  @TearDown(Level.Iteration)
  public void drain() throws InterruptedException {
    window.drain();
  }

  @TearDown(Level.Trial)
  public void stop() {
    executor.shutdownNow();
  }

  @Benchmark
  public void echo() throws InterruptedException {
    window.submit(
        () ->
            CompletableFuture.supplyAsync(() -> handler.handle(Payloads.ECHO_64, null), executor));
  }
}
