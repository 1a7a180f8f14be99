package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;

/** The load the peers are measured with: a fixed number of jobs in flight, and the sleep ideal. */
public final class WindowedLoad {
  public static final int IN_FLIGHT = 128;

  private WindowedLoad() {}

  /** Submits {@code n} copies of {@code job}, at most {@link #IN_FLIGHT} at once; waits for all. */
  public static void run(ProcessPool pool, Job<byte[]> job, int n) throws Exception {
    InFlightWindow window = new InFlightWindow(IN_FLIGHT);
    for (int i = 0; i < n; i++) {
      window.submit(() -> pool.submit(job));
    }
    window.drain();
  }

  /** Jobs/s of {@code jobs} copies of {@code job}, after {@code warmup} unmeasured ones. */
  public static double rate(ProcessPool pool, Job<byte[]> job, int warmup, int jobs)
      throws Exception {
    run(pool, job, warmup);
    long start = System.nanoTime();
    run(pool, job, jobs);
    return jobs / ((System.nanoTime() - start) / 1e9);
  }

  /** What Thread.sleep(1) really costs here: the ideal for 1 ms jobs is workers / this. */
  public static double measuredSleepMillis() throws InterruptedException {
    int n = 500;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Thread.sleep(1);
    }
    return (System.nanoTime() - start) / 1e6 / n;
  }
}
