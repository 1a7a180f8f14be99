package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** 1. No-op (64-byte echo) jobs per second through the pool, with a steady number in flight. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PoolThroughputBenchmark {
  @Param({"1", "2", "4"})
  public int children;

  @Param({"64"})
  public int inFlight;

  private ProcessPool pool;
  private InFlightWindow window;
  private final Job<byte[]> job = Job.of("echo", Payloads.ECHO_64);

  @Setup(Level.Trial)
  public void start() {
    pool = ProcessPool.builder().children(children).queueCapacity(100_000).start();
    window = new InFlightWindow(inFlight);
  }

  @TearDown(Level.Iteration)
  public void drain() throws InterruptedException {
    window.drain();
  }

  @TearDown(Level.Trial)
  public void stop() {
    pool.close();
  }

  @Benchmark
  public void echo() throws InterruptedException {
    window.submit(() -> pool.submit(job));
  }
}
