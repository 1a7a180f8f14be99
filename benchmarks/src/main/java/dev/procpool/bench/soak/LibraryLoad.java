package dev.procpool.bench.soak;

import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Submits {@code jobs} jobs to a library pool, {@code window} in flight: echoes with unique
 * payloads, and every {@code faultEvery}-th submission a fault ({@link Fault}, in turn). Each
 * future reports to the books how many times it completed.
 */
final class LibraryLoad implements SoakPath {
  private static final int WINDOW = 64;

  private final ProcessPool pool;
  private final Books books = new Books("library");
  private final long jobs;
  private final long faultEvery;
  private final long deadlineNanos;

  LibraryLoad(ProcessPool pool, long jobs, long faultEvery, long deadlineNanos) {
    this.pool = pool;
    this.jobs = jobs;
    this.faultEvery = faultEvery;
    this.deadlineNanos = deadlineNanos;
  }

  /** A slot in the window, or false once the deadline has passed. */
  private boolean acquire(Semaphore window) throws InterruptedException {
    while (System.nanoTime() < deadlineNanos) {
      if (window.tryAcquire(1, TimeUnit.SECONDS)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Books books() {
    return books;
  }

  @Override
  public void run() throws InterruptedException {
    Semaphore window = new Semaphore(WINDOW);
    long faults = 0;
    for (long n = 0; n < jobs && System.nanoTime() < deadlineNanos; n++) {
      if (n % faultEvery == faultEvery - 1) {
        Fault fault = Fault.nth(faults++);
        if (fault == Fault.SIGKILL) {
          sigkillOneChild();
          continue;
        }
        if (!acquire(window)) {
          break;
        }
        books.faultJobs.incrementAndGet();
        Job job = Job.of(fault.jobType, fault.payload.getBytes(StandardCharsets.UTF_8));
        if (fault.timeoutMillis > 0) {
          job = job.withTimeout(Duration.ofMillis(fault.timeoutMillis));
        }
        track(pool.submit(job), null, fault, window);
        continue;
      }
      if (!acquire(window)) {
        break;
      }
      byte[] payload = ("L-" + n).getBytes(StandardCharsets.UTF_8);
      track(pool.submit(Job.of("echo", payload)), payload, null, window);
    }
    if (!window.tryAcquire(WINDOW, 120, TimeUnit.SECONDS)) {
      books.note((WINDOW - window.availablePermits()) + " futures still open 120 s after the end");
    }
  }

  private void track(CompletableFuture<byte[]> future, byte[] echo, Fault fault, Semaphore window) {
    books.submitted.incrementAndGet();
    AtomicInteger times = new AtomicInteger();
    future.whenComplete(
        (result, failure) -> {
          int t = times.incrementAndGet();
          PoolException e = poolException(failure);
          String detail = e != null ? e.getMessage() : failure != null ? failure.toString() : "";
          if (failure != null && e == null) {
            books.note("not a PoolException: " + failure);
          }
          if (fault == null) {
            boolean same = failure == null && Arrays.equals(echo, result);
            if (failure == null && !same) {
              detail = "sent " + text(echo) + " got " + text(result);
            }
            books.echoEnded(t, same, e == null ? null : e.code(), detail);
          } else {
            books.faultEnded(t, fault, e == null ? null : e.code(), detail);
          }
          if (t == 1) {
            window.release();
          }
        });
  }

  /** One pool child (never the serve process, also a child of this JVM). */
  private void sigkillOneChild() {
    List<ProcessHandle> children =
        pool.status().join().children().stream()
            .map(c -> ProcessHandle.of(c.pid()))
            .flatMap(java.util.Optional::stream)
            .toList();
    if (children.isEmpty()) {
      return;
    }
    ProcessHandle victim = children.get(ThreadLocalRandom.current().nextInt(children.size()));
    if (victim.destroyForcibly()) {
      books.sigkills.incrementAndGet();
    }
  }

  static PoolException poolException(Throwable failure) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    return cause instanceof PoolException p ? p : null;
  }

  private static String text(byte[] bytes) {
    return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
  }
}
