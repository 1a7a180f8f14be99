package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.ReadyChildren;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rolling restart, resize and broadcast under continuous load: no job fails, none runs twice. */
class OperationsIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  /** Echo jobs with unique payloads, 16 in flight, until stopped; counts every outcome. */
  private static final class Load implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Load(ProcessPool pool) {
      thread =
          new Thread(
              () -> {
                Semaphore window = new Semaphore(16);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                for (long n = 0; !stop.get() && System.nanoTime() < deadline; n++) {
                  byte[] payload = utf8("load-" + n);
                  window.acquireUninterruptibly();
                  AtomicInteger completions = new AtomicInteger();
                  pool.submit(Job.of("sleep", utf8("2")))
                      .thenCompose(x -> pool.submit(Job.of("echo", payload)))
                      .whenComplete(
                          (r, e) -> {
                            if (completions.incrementAndGet() > 1) {
                              problems.add("completed twice");
                            } else if (e != null) {
                              problems.add(e.toString());
                            } else if (!Arrays.equals(payload, r)) {
                              problems.add("crossed reply");
                            } else {
                              ok.incrementAndGet();
                            }
                            window.release();
                          });
                }
                window.acquireUninterruptibly(16);
              },
              "load");
      thread.start();
    }

    void awaitProgress(long jobs) throws InterruptedException {
      long target = ok.get() + jobs;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (ok.get() < target && System.nanoTime() < deadline) {
        Thread.sleep(10); // polling a counter the load thread advances
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(60_000);
    }
  }

  @Test
  void rollingRestart_underLoad_everyChildReplaced_noJobFailed() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).start()) {
      Set<Long> before = ReadyChildren.pids(pool);
      try (Load load = new Load(pool)) {
        load.awaitProgress(100);
        pool.restartChildren().get(60, TimeUnit.SECONDS);
        load.awaitProgress(100);
        load.close();
        assertEquals(List.of(), load.problems);
        assertTrue(load.ok.get() >= 200);
      }
      Set<Long> after = ReadyChildren.pids(pool);
      assertEquals(2, after.size());
      after.retainAll(before);
      assertEquals(Set.of(), after, "every child was replaced");
    }
  }

  @Test
  void resizeDownThenUp_underLoad_noJobFailed() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(3).start()) {
      try (Load load = new Load(pool)) {
        load.awaitProgress(100);
        pool.resize(1).get(60, TimeUnit.SECONDS);
        assertEquals(1, ReadyChildren.pids(pool).size());
        load.awaitProgress(50);
        pool.resize(3).get(60, TimeUnit.SECONDS);
        assertEquals(3, ReadyChildren.pids(pool).size());
        load.awaitProgress(100);
        load.close();
        assertEquals(List.of(), load.problems);
      }
    }
  }

  @Test
  void heapAboveLimit_childReplacedLosslessly_underLoad() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(2).recycleAboveHeapBytes(48L << 20).start()) {
      try (Load load = new Load(pool)) {
        load.awaitProgress(50);
        String leaky = text(pool.submit(Job.of("retain", utf8("64"))));
        // The leaky child is replaced: a new one starts first, the old one leaves when idle.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ReadyChildren.pids(pool).contains(Long.parseLong(leaky))
            && System.nanoTime() < deadline) {
          Thread.sleep(20); // polling the pool's status; the replacement takes a JVM start
        }
        assertTrue(
            !ReadyChildren.pids(pool).contains(Long.parseLong(leaky)),
            "the leaky child was recycled");
        assertEquals(2, ReadyChildren.pids(pool).size());
        load.awaitProgress(50);
        load.close();
        assertEquals(List.of(), load.problems, "no job failed or crossed while recycling");
      }
    }
  }

  @Test
  void dynamicSizing_growsWhileJobsWait_shrinksWhenIdle() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder()
            .children(1)
            .maxChildren(3)
            .childIdleTimeout(java.time.Duration.ofMillis(400))
            .start()) {
      List<CompletableFuture<byte[]>> slow = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        slow.add(pool.submit(Job.of("sleep", utf8("700"))));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int most = 0;
      while (System.nanoTime() < deadline && !slow.stream().allMatch(CompletableFuture::isDone)) {
        most = Math.max(most, ReadyChildren.pids(pool).size());
        Thread.sleep(50); // sampling the pool's size while it works
      }
      for (CompletableFuture<byte[]> job : slow) {
        assertEquals("700", text(job), "no job failed while the pool grew");
      }
      assertEquals(3, most, "grew to maxChildren while jobs waited");
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (ReadyChildren.pids(pool).size() > 1 && System.nanoTime() < deadline) {
        Thread.sleep(50); // waiting for the idle timeout to retire the extras
      }
      assertEquals(1, ReadyChildren.pids(pool).size(), "shrank back to children once idle");
      assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
    }
  }

  @Test
  void broadcast_runsOnceInEveryChild() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(3).start()) {
      CompletableFuture<byte[]> busy =
          pool.submit(Job.of("sleep", utf8("300"))); // one child busy meanwhile
      List<BroadcastResult> results = pool.broadcast("pid", new byte[0]).get(30, TimeUnit.SECONDS);
      assertEquals(3, results.size());
      Set<String> pids = new HashSet<>();
      for (BroadcastResult result : results) {
        assertTrue(result.succeeded(), String.valueOf(result.failure()));
        String pid = new String(result.result(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Long.toString(result.pid()), pid, "ran in the child it names");
        pids.add(pid);
      }
      assertEquals(3, pids.size());
      assertEquals("300", text(busy));
    }
  }
}
