package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
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
 * 4. Blocking 1 ms jobs ({@code Thread.sleep(1)}) on 2 children: jobs/s, to compare with the ideal
 * of 2 x 1000 / (real cost of sleep(1) in ms).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class SleepBenchmark {
  private ProcessPool pool;
  private InFlightWindow window;
  private final Job<byte[]> job = Job.of("sleep", "1".getBytes(StandardCharsets.UTF_8));

  @Setup(Level.Trial)
  public void start() {
    pool = ProcessPool.builder().children(2).start();
    window = new InFlightWindow(8);
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
  public void sleep1ms() throws InterruptedException {
    window.submit(() -> pool.submit(job));
  }

  /** The real cost of {@code Thread.sleep(1)} on this machine, for the ideal. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void sleepCostInProcess() throws InterruptedException {
    Thread.sleep(1);
  }
}
