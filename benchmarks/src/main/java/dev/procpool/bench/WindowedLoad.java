package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** The load the peers are measured with: a fixed number of jobs in flight, and the sleep ideal. */
final class WindowedLoad {
  static final int IN_FLIGHT = 128;

  private WindowedLoad() {}

  /** Submits {@code n} copies of {@code job}, at most {@link #IN_FLIGHT} at once; waits for all. */
  static void run(ProcessPool pool, Job<byte[]> job, int n) throws Exception {
    Semaphore window = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<byte[]>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      window.acquire();
      CompletableFuture<byte[]> f = pool.submit(job);
      f.whenComplete((v, e) -> window.release());
      all.add(f);
    }
    for (CompletableFuture<byte[]> f : all) {
      f.get(5, TimeUnit.MINUTES);
    }
  }

  /** What Thread.sleep(1) really costs here: the ideal for 1 ms jobs is workers / this. */
  static double measuredSleepMillis() throws InterruptedException {
    int n = 500;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Thread.sleep(1);
    }
    return (System.nanoTime() - start) / 1e6 / n;
  }
}
