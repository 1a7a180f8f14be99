package dev.procpool.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps up to N jobs in flight: each benchmark invocation waits for a free slot, then submits one
 * job, so throughput is measured in a steady state rather than in bursts. Any failed job fails the
 * benchmark.
 */
public final class InFlightWindow {
  private final int size;
  private final Semaphore slots;
  private volatile Throwable failure;

  public InFlightWindow(int size) {
    this.size = size;
    this.slots = new Semaphore(size);
  }

  public void submit(Supplier<CompletableFuture<?>> job) throws InterruptedException {
    if (failure != null) {
      throw new IllegalStateException("a job failed", failure);
    }
    slots.acquire();
    job.get()
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                failure = e;
              }
              slots.release();
            });
  }

  /** Waits for every job in flight, so no work leaks into the next iteration. */
  public void drain() throws InterruptedException {
    if (!slots.tryAcquire(size, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("jobs did not finish within 60 s");
    }
    slots.release(size);
  }
}
