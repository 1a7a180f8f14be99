package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import dev.procpool.server.http.HttpFrontEnd;
import dev.procpool.server.http.HttpSettings;
import dev.procpool.testing.Descendants;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed load through the library and HTTP at once while a fault injector SIGKILLs children and
 * submits jobs that exit, run out of memory, hang past their timeout and write garbage on their
 * channel. Then the books are checked: every future completed once, every echo came back to its
 * caller, every failure has the right code and a fault behind it, the ledger total is exact, the
 * pool is back to full size, nothing leaked. CI runs it for {@code procpool.chaos.seconds} (default
 * 20); {@code benchmarks/soak.sh} runs it for longer and keeps the summary.
 */
class ChaosIT {
  private static final int CHILDREN = 3;
  private static final int ACCOUNTS = 10;
  private static final long BALANCE = 1_000;

  /**
   * What the pool says when it kills a child for breaking the protocol on its control channel, as
   * the garbage fault does: the job running when the bytes are read is blamed, and it may be the
   * one after the garbage job (the garbage job's reply, on the other channel, can be read first);
   * held jobs it may have started fail with it ("may have started there").
   */
  private static final String BROKEN = "broke the protocol on its control channel";

  @Test
  @Timeout(value = 2, unit = TimeUnit.HOURS)
  void mixedLoadUnderFaults_nothingLostNothingCrossed(@TempDir Path dataDir) throws Exception {
    long seconds = Long.getLong("procpool.chaos.seconds", 20);
    Counters counters = new Counters();
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir)) {
      ProcessPool pool =
          ProcessPool.builder()
              .children(CHILDREN)
              .queueCapacity(100_000)
              .jobTimeout(Duration.ofSeconds(10))
              .childJvmOptions("-Xmx64m", "--add-opens=java.base/java.io=ALL-UNNAMED")
              .childEnvironment("PROCPOOL_DB_URL", db.url())
              .childEnvironment("PROCPOOL_DB_USER", db.user())
              .childEnvironment("PROCPOOL_DB_PASSWORD", db.password())
              .start();
      HttpFrontEnd http = HttpFrontEnd.start(pool, HttpSettings.loopback(0));
      try {
        String prefix = "chaos" + System.nanoTime() + "-";
        for (int i = 0; i < ACCOUNTS; i++) {
          pool.submit(
                  Job.of(
                      "ledger.open",
                      utf8("{\"id\":\"" + prefix + i + "\",\"balance\":" + BALANCE + "}")))
              .get(30, TimeUnit.SECONDS);
        }
        Resources before = null;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          threads.add(thread("library-" + t, () -> libraryLoad(pool, prefix, counters, stop)));
          threads.add(thread("http-" + t, () -> httpLoad(http.port(), prefix, counters, stop)));
        }
        threads.add(thread("faults", () -> injectFaults(pool, counters, stop)));
        threads.forEach(Thread::start);
        while (System.nanoTime() < end) {
          Thread.sleep(200); // the test's clock; work happens on the threads above
          if (before == null && System.nanoTime() - start > (end - start) / 3) {
            before = Resources.now();
          }
        }
        Resources after = Resources.now();
        stop.set(true);
        for (Thread thread : threads) {
          thread.join(120_000);
          assertTrue(!thread.isAlive(), thread.getName() + " finished");
        }
        assertTrue(counters.errors.isEmpty(), "accounting errors: " + counters.errors);

        // Every echo back to its caller, every future once: checked as each completed (see
        // Counters).
        assertEquals(
            counters.submitted.get(),
            counters.completed.get(),
            "every future completed exactly once");
        long hitByFault =
            counters.codes.getOrDefault(FailureCode.CHILD_CRASHED, new AtomicLong()).get();
        assertTrue(
            counters.normalCrashed.get() <= counters.sigkills.get(),
            counters.normalCrashed
                + " ordinary jobs crashed but only "
                + counters.sigkills
                + " SIGKILLs: "
                + counters.crashMessages);

        // A child that wrote garbage is killed with its running job and the held jobs it may have
        // started (up to and including the first it was not asked to skip): 16 at the most.
        assertTrue(
            counters.brokenByGarbage.get() <= counters.garbage.get() * 16,
            counters.brokenByGarbage + " other jobs failed with " + counters.garbage + " garbage");

        long total =
            Long.parseLong(
                new String(
                    pool.submit(Job.of("ledger.total", utf8(prefix))).get(30, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8));
        assertEquals(ACCOUNTS * BALANCE, total, "money created or destroyed");

        PoolStatus status = awaitFullSize(pool);
        assertEquals(
            CHILDREN,
            status.children().stream()
                .filter(c -> c.state() != dev.procpool.PoolStatus.ChildState.STOPPING)
                .count(),
            status.toString());

        String summary = counters.summary(seconds, hitByFault, before, after, total);
        System.out.println(summary);
        String out = System.getProperty("procpool.chaos.summary");
        if (out != null) {
          Files.writeString(Path.of(out), summary, StandardCharsets.UTF_8);
        }
        assertTrue(
            after.threads - before.threads <= 10, "threads grew: " + before + " -> " + after);
        assertTrue(
            after.fds - before.fds <= 30, "file descriptors grew: " + before + " -> " + after);
        assertTrue(
            after.heapBytes - before.heapBytes <= 64L << 20,
            "heap after GC grew: " + before + " -> " + after);
      } finally {
        http.close();
        pool.close();
      }
    }
    assertEquals(List.of(), Descendants.alive());
  }

  private static PoolStatus awaitFullSize(ProcessPool pool) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
    while (System.nanoTime() < deadline
        && status.children().stream()
                .filter(
                    c ->
                        c.state() == dev.procpool.PoolStatus.ChildState.IDLE
                            || c.state() == dev.procpool.PoolStatus.ChildState.BUSY)
                .count()
            < CHILDREN) {
      Thread.sleep(100); // replacements are starting; no event reaches the test for that
      status = pool.status().get(10, TimeUnit.SECONDS);
    }
    return status;
  }

  private static Thread thread(String name, ThrowingRunnable body) {
    return new Thread(
        () -> {
          try {
            body.run();
          } catch (Exception e) {
            throw new IllegalStateException(name + " failed", e);
          }
        },
        name);
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Echo with unique payloads, short sleeps, throwing jobs and transfers, 32 in flight. */
  private static void libraryLoad(
      ProcessPool pool, String prefix, Counters counters, AtomicBoolean stop) throws Exception {
    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(32);
    long n = 0;
    while (!stop.get()) {
      window.acquire();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int kind = random.nextInt(10);
      String id = Thread.currentThread().getName() + "-" + n++;
      CompletableFuture<byte[]> future;
      if (kind < 5) {
        byte[] payload = utf8(id);
        future = counters.track(pool.submit(Job.of("echo", payload)), payload, Expect.ORDINARY);
      } else if (kind < 7) {
        future =
            counters.track(
                pool.submit(Job.of("sleep", utf8(Integer.toString(1 + random.nextInt(20))))),
                null,
                Expect.ORDINARY);
      } else if (kind < 8) {
        future = counters.track(pool.submit(Job.of("throw", utf8(id))), null, Expect.THROWS);
      } else {
        future =
            counters.track(
                pool.submit(Job.of("ledger.transfer", transfer(prefix, random))),
                null,
                Expect.TRANSFER);
      }
      future.whenComplete((r, e) -> window.release());
    }
    window.acquire(32);
  }

  private static void httpLoad(int port, String prefix, Counters counters, AtomicBoolean stop) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    long n = 0;
    while (!stop.get()) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      boolean echo = random.nextBoolean();
      String body =
          echo
              ? Thread.currentThread().getName() + "-" + n++
              : new String(transfer(prefix, random), StandardCharsets.UTF_8);
      counters.submitted.incrementAndGet();
      try {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + port
                                + "/jobs/"
                                + (echo ? "echo" : "ledger.transfer")))
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        counters.completed.incrementAndGet();
        int status = response.statusCode();
        if (status == 200) {
          if (echo && !response.body().equals(body)) {
            counters.errors.add("HTTP echo crossed: sent " + body + " got " + response.body());
          }
        } else if (status == 502 && response.body().contains(BROKEN)) {
          counters.brokenByGarbage.incrementAndGet();
        } else if (status == 502 && response.body().contains("CHILD_CRASHED")) {
          counters.normalCrashed.incrementAndGet();
          if (counters.crashMessages.size() < 20) {
            counters.crashMessages.add(response.body());
          }
        } else if (!(status == 500 && !echo && response.body().contains("insufficient funds"))) {
          counters.errors.add("HTTP " + status + " " + response.body());
        }
      } catch (Exception e) {
        counters.errors.add("HTTP request failed: " + e);
      }
    }
  }

  /** Every 300-700 ms, one fault: about as fast as replacements start under this load. */
  private static void injectFaults(ProcessPool pool, Counters counters, AtomicBoolean stop)
      throws Exception {
    List<CompletableFuture<byte[]>> faults = new ArrayList<>();
    while (!stop.get()) {
      Thread.sleep(
          300 + ThreadLocalRandom.current().nextInt(400)); // fault pacing, bounded by the run
      switch (ThreadLocalRandom.current().nextInt(5)) {
        case 0 ->
            ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive) // only pool children
                .findAny()
                .ifPresent(
                    p -> {
                      if (p.destroyForcibly()) {
                        counters.sigkills.incrementAndGet();
                      }
                    });
        case 1 ->
            faults.add(counters.track(pool.submit(Job.of("exit", utf8("7"))), null, Expect.CRASH));
        case 2 ->
            faults.add(counters.track(pool.submit(Job.of("oom", new byte[0])), null, Expect.CRASH));
        case 3 ->
            faults.add(
                counters.track(
                    pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(300))),
                    null,
                    Expect.TIMEOUT));
        default -> {
          counters.garbage.incrementAndGet();
          faults.add(
              counters.track(
                  pool.submit(Job.of("garbage", utf8("unparsable"))), null, Expect.GARBAGE));
        }
      }
    }
    CompletableFuture.allOf(faults.toArray(new CompletableFuture<?>[0]))
        .handle((r, e) -> null)
        .get(120, TimeUnit.SECONDS);
  }

  private static byte[] transfer(String prefix, ThreadLocalRandom random) {
    int from = random.nextInt(ACCOUNTS);
    int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
    return utf8(
        "{\"from\":\""
            + prefix
            + from
            + "\",\"to\":\""
            + prefix
            + to
            + "\",\"amount\":"
            + (1 + random.nextInt(50))
            + "}");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private enum Expect {
    ORDINARY,
    THROWS,
    TRANSFER,
    CRASH,
    TIMEOUT,
    GARBAGE
  }

  /** The books: what was submitted and how each future ended. */
  private static final class Counters {
    final AtomicLong submitted = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong sigkills = new AtomicLong();
    final AtomicLong normalCrashed = new AtomicLong();
    final AtomicLong garbage = new AtomicLong();
    final AtomicLong brokenByGarbage = new AtomicLong();
    final Map<FailureCode, AtomicLong> codes = new ConcurrentHashMap<>();
    final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<String> crashMessages = java.util.Collections.synchronizedList(new ArrayList<>());

    CompletableFuture<byte[]> track(CompletableFuture<byte[]> future, byte[] echo, Expect expect) {
      submitted.incrementAndGet();
      AtomicInteger times = new AtomicInteger();
      return future.whenComplete(
          (result, failure) -> {
            if (times.incrementAndGet() != 1) {
              errors.add("a future completed twice");
            }
            completed.incrementAndGet();
            if (failure == null) {
              if (echo != null && !Arrays.equals(echo, result)) {
                errors.add(
                    "echo crossed: sent "
                        + new String(echo, StandardCharsets.UTF_8)
                        + " got "
                        + new String(result, StandardCharsets.UTF_8));
              }
              if (expect == Expect.THROWS || expect == Expect.CRASH || expect == Expect.TIMEOUT) {
                errors.add(expect + " job succeeded");
              }
              return;
            }
            Throwable cause =
                failure instanceof java.util.concurrent.CompletionException
                    ? failure.getCause()
                    : failure;
            if (!(cause instanceof PoolException)) {
              errors.add("not a PoolException: " + cause);
              return;
            }
            FailureCode code = ((PoolException) cause).code();
            codes.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
            if (code == FailureCode.PROTOCOL_ERROR
                && expect != Expect.GARBAGE
                && cause.getMessage().contains(BROKEN)) {
              brokenByGarbage.incrementAndGet(); // any kind of job, on a child garbage broke
              return;
            }
            boolean expected =
                switch (expect) {
                  case ORDINARY -> code == FailureCode.CHILD_CRASHED;
                  case THROWS ->
                      code == FailureCode.JOB_FAILED || code == FailureCode.CHILD_CRASHED;
                  case TRANSFER ->
                      code == FailureCode.CHILD_CRASHED
                          || (code == FailureCode.JOB_FAILED
                              && cause.getMessage().contains("insufficient funds"));
                  case CRASH -> code == FailureCode.CHILD_CRASHED;
                  case TIMEOUT ->
                      code == FailureCode.JOB_TIMEOUT || code == FailureCode.CHILD_CRASHED;
                  case GARBAGE ->
                      code == FailureCode.PROTOCOL_ERROR || code == FailureCode.CHILD_CRASHED;
                };
            if (!expected) {
              errors.add(expect + " job failed with " + code + ": " + cause.getMessage());
            }
            if (code == FailureCode.CHILD_CRASHED
                && (expect == Expect.ORDINARY
                    || expect == Expect.THROWS
                    || expect == Expect.TRANSFER)) {
              normalCrashed.incrementAndGet();
              if (crashMessages.size() < 20) {
                crashMessages.add(cause.getMessage());
              }
            }
          });
    }

    String summary(long seconds, long crashed, Resources before, Resources after, long total) {
      Map<FailureCode, Long> byCode = new EnumMap<>(FailureCode.class);
      codes.forEach((k, v) -> byCode.put(k, v.get()));
      return String.format(
          "chaos seconds=%d submitted=%d completed=%d sigkills=%d failures=%s ordinary_jobs_crashed=%d broken_by_garbage=%d ledger_total=%d%n"
              + "resources first_third=%s last_third=%s%n",
          seconds,
          submitted.get(),
          completed.get(),
          sigkills.get(),
          byCode,
          normalCrashed.get(),
          brokenByGarbage.get(),
          total,
          before,
          after);
    }
  }

  /** Threads, open descriptors and heap after GC of this JVM (the master). */
  private record Resources(int threads, long fds, long heapBytes) {
    static Resources now() throws Exception {
      System.gc();
      long fds;
      try (var list = Files.list(Path.of("/proc/self/fd"))) {
        fds = list.count();
      }
      return new Resources(
          ManagementFactory.getThreadMXBean().getThreadCount(),
          fds,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
  }
}
