package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Why a job was slow or died, and deadlines, with real child JVMs. */
class ForensicsIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void hangingJob_timeoutCarriesTheStackNamingTheHandler() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      PoolException e =
          failure(
              pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(500))),
              FailureCode.JOB_TIMEOUT);
      String stack = e.remoteStack().orElse("");
      assertTrue(stack.contains("dev.procpool.child.fixtures.Hang.handle"), stack);
      assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))), "a replacement serves");
    }
  }

  @Test
  void wedgedChild_killedWithinTimeoutPlusGrace_errorSaysNoStack() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      long start = System.nanoTime();
      PoolException e =
          failure(
              pool.submit(Job.of("freeze", new byte[0]).withTimeout(Duration.ofMillis(500))),
              FailureCode.JOB_TIMEOUT);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(e.getMessage().contains("stack could not be taken"), e.getMessage());
      // 500 ms limit + 500 ms grace; generous bound for a loaded machine, far below a hang.
      assertTrue(tookMillis < 10_000, "failed after " + tookMillis + " ms");
      assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
    }
  }

  @Test
  void slowJob_stackLoggedOnce_countedInMetrics_jobFinishes() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool =
        ProcessPool.builder()
            .children(1)
            .meterRegistry(registry)
            .slowJobThreshold(Duration.ofMillis(200))
            .start()) {
      text(pool.submit(Job.of("pid", new byte[0]))); // the type becomes known to the meters
      assertEquals("600", text(pool.submit(Job.of("sleep", utf8("600")))));
      assertEquals(1.0, registry.get("procpool.jobs.slow").tag("type", "sleep").counter().count());
    }
  }

  @Test
  void systemExit_crashReportSaysSo() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      PoolException e = failure(pool.submit(Job.of("exit", utf8("3"))), FailureCode.CHILD_CRASHED);
      assertTrue(e.getMessage().contains("System.exit(3)"), e.getMessage());
      assertDeathListed(pool, "System.exit(3)");
    }
  }

  @Test
  void sigkillFromOutside_crashReportNamesSignalAndOomHint() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> running = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long pid = rendezvous.awaitStart();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      PoolException e = failure(running, FailureCode.CHILD_CRASHED);
      assertTrue(e.getMessage().contains("SIGKILL"), e.getMessage());
      assertTrue(e.getMessage().contains("OOM killer"), e.getMessage());
      assertDeathListed(pool, "SIGKILL");
    }
  }

  @Test
  void sigsegv_crashReportNamesSignal() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> running = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long pid = rendezvous.awaitStart();
      // The JVM handles SIGSEGV itself for its own purposes; -SEGV from outside still ends it
      // with a crash, as a native library's segfault would.
      new ProcessBuilder("kill", "-SEGV", Long.toString(pid)).start().waitFor();
      PoolException e = failure(running, FailureCode.CHILD_CRASHED);
      assertTrue(
          e.getMessage().contains("SIGSEGV") || e.getMessage().contains("SIGABRT"), e.getMessage());
    }
  }

  @Test
  void outOfMemory_crashReportSaysSo() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).childJvmOptions("-Xmx32m").start()) {
      PoolException e = failure(pool.submit(Job.of("oom", new byte[0])), FailureCode.CHILD_CRASHED);
      assertTrue(
          e.getMessage().contains("ran out of memory")
              && e.getMessage().contains("OutOfMemoryError"),
          e.getMessage());
    }
  }

  @Test
  void queuedPastDeadline_neverRuns_deadlineExceeded() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> slow = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      List<CompletableFuture<byte[]>> late = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        late.add(
            pool.submit(
                Job.of("sequence", utf8("late" + i)).withDeadline(Instant.now().plusMillis(100))));
      }
      for (CompletableFuture<byte[]> job : late) {
        assertTrue(failure(job, FailureCode.DEADLINE_EXCEEDED).getMessage().contains("never ran"));
      }
      rendezvous.releaseAll(1);
      slow.get(30, TimeUnit.SECONDS);
      assertEquals(
          "1:after", text(pool.submit(Job.of("sequence", utf8("after")))), "none of the 50 ran");
    }
  }

  @Test
  void admission_refusesWhenTheQueueCannotMeetTheDeadline() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).deadlineAdmission(true).start()) {
      for (int i = 0; i < 3; i++) {
        text(pool.submit(Job.of("sleep", utf8("300")))); // teach it that jobs take ~300 ms
      }
      List<CompletableFuture<byte[]>> ahead = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ahead.add(pool.submit(Job.of("sleep", utf8("300"))));
      }
      awaitQueued(pool, 4);
      CompletableFuture<byte[]> hopeless =
          pool.submit(Job.of("echo", utf8("x")).withDeadline(Instant.now().plusMillis(200)));
      assertTrue(hopeless.isDone(), "refused at submit, not queued");
      assertTrue(
          failure(hopeless, FailureCode.DEADLINE_EXCEEDED).getMessage().contains("expected wait"));
      for (CompletableFuture<byte[]> job : ahead) {
        job.get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void deadline_reachesTheHandler_andBoundsTheLimit() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      Instant deadline = Instant.now().plusSeconds(30);
      assertEquals(
          Long.toString(deadline.toEpochMilli()),
          text(pool.submit(Job.of("deadline", new byte[0]).withDeadline(deadline))));
      assertEquals("none", text(pool.submit(Job.of("deadline", new byte[0]))));
      PoolException e =
          failure(
              pool.submit(Job.of("hang", new byte[0]).withDeadline(Instant.now().plusMillis(400))),
              FailureCode.DEADLINE_EXCEEDED);
      assertTrue(e.remoteStack().orElse("").contains("Hang.handle"), e.getMessage());
    }
  }

  @Test
  void accounting_cpuAndAllocationArePlausible() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = ProcessPool.builder().children(1).meterRegistry(registry).start()) {
      text(pool.submit(Job.of("pid", new byte[0])));
      long measured = Long.parseLong(text(pool.submit(Job.of("burn", utf8("50")))));
      Timer cpu = registry.get("procpool.jobs.cpu").tag("type", "burn").timer();
      double reported = cpu.totalTime(TimeUnit.NANOSECONDS);
      assertTrue(
          Math.abs(reported - measured) <= 0.3 * measured,
          "reported " + reported + " ns, measured " + measured);
      assertTrue(reported >= 0.7 * 50_000_000, "about 50 ms of CPU: " + reported);
      text(pool.submit(Job.of("allocate", utf8("10"))));
      double allocated =
          registry.get("procpool.jobs.allocated").tag("type", "allocate").summary().totalAmount();
      assertTrue(allocated >= 10 * 1024 * 1024, "allocated " + allocated);
      PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
      assertTrue(status.children().get(0).cpuMillis() >= 35, status.toString());
      assertTrue(status.time().runMillis() >= 40, status.time().toString());
    }
  }

  private static void assertDeathListed(ProcessPool pool, String cause) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
      if (status.recentDeaths().stream().anyMatch(d -> d.cause().contains(cause))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no death listed with '" + cause + "': " + pool.status().get().recentDeaths());
  }

  private static void awaitQueued(ProcessPool pool, int queued) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pool.status().get(10, TimeUnit.SECONDS).queued() < queued) {
      assertTrue(System.nanoTime() < deadline, "jobs never queued");
      Thread.sleep(10);
    }
  }
}
