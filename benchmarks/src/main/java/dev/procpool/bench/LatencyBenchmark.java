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

/**
 * 2. Round trip of one echo job at a time (submit to result on the caller's thread): the pool's
 * per-job overhead, since the handler itself takes nanoseconds. Reported as p50/p99/p99.9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LatencyBenchmark {
  /**
   * "pool": futures complete on the default callback executor (safe for any stage). "direct":
   * {@code callbackExecutor(Runnable::run)}, completing on the event loop, one thread hand-off
   * fewer; only for callers whose dependent stages never block.
   */
  @Param({"pool", "direct"})
  public String callbacks;

  /** Per-job CPU and allocation accounting in the children: its cost per job, on against off. */
  @Param({"on", "off"})
  public String accounting;

  private ProcessPool pool;
  private final Job<byte[]> job = Job.of("echo", Payloads.ECHO_64);

  @Setup(Level.Trial)
  public void start() {
    var builder = ProcessPool.builder().children(1).jobAccounting(accounting.equals("on"));
    if (callbacks.equals("direct")) {
      builder.callbackExecutor(Runnable::run);
    }
    pool = builder.start();
  }

  @TearDown(Level.Trial)
  public void stop() {
    pool.close();
  }

  @Benchmark
  public byte[] oneJobInFlight() {
    return pool.submit(job).join();
  }
}
