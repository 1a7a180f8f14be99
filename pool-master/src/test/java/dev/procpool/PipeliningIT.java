package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pipelining with real children: a job sent ahead to a busy child is still a queued job. It is
 * skipped when cancelled, taken back when another child is idle, and returned to the queue when its
 * child dies, in order, at every depth. The meters say the job really was sent ahead, so each test
 * fails if it was not.
 */
class PipeliningIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void cancelledHeldJob_isSkipped_neverRuns_childStays() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(1, registry);
        Rendezvous rendezvous = new Rendezvous()) {
      warmUp(pool, 2);
      double sent = count(registry, "procpool.jobs.sent.ahead", null);
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      CompletableFuture<byte[]> held = pool.submit(Job.of("sequence", utf8("A")));
      CompletableFuture<byte[]> queued = pool.submit(Job.of("sequence", utf8("B")));
      long pid = rendezvous.awaitStart();
      awaitCount(registry, "procpool.jobs.sent.ahead", null, sent + 1);
      assertEquals(2, pool.status().get(10, TimeUnit.SECONDS).queued(), "held and queued");

      assertTrue(held.cancel(true));
      awaitCount(registry, "procpool.jobs.recalled", "skipped", 1);
      rendezvous.releaseAll(1);

      assertEquals("1", text(blocker));
      assertEquals("1:B", text(queued), "A never ran: B is the child's first sequence job");
      assertEquals(Long.toString(pid), text(pool.submit(Job.of("pid", new byte[0]))));
    }
  }

  @Test
  void jobHeldBehindLongJob_isTakenBackWhenAnotherChildIsIdle() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(2, registry);
        Rendezvous shortOne = new Rendezvous();
        Rendezvous longOne = new Rendezvous()) {
      warmUp(pool, 4); // recent run times ~50 ms: a job running past 200 ms is overdue
      CompletableFuture<byte[]> first = pool.submit(Job.of("rendezvous", shortOne.payload()));
      shortOne.awaitStart();
      double sent = count(registry, "procpool.jobs.sent.ahead", null);
      double skipped = count(registry, "procpool.jobs.recalled", "skipped");
      Thread.sleep(400); // its child is overdue now, so the next held job goes to the other
      CompletableFuture<byte[]> blocking = pool.submit(Job.of("rendezvous", longOne.payload()));
      CompletableFuture<byte[]> quick = pool.submit(Job.of("sleep", utf8("1")));
      CompletableFuture<byte[]> next = pool.submit(Job.of("sleep", utf8("1"))); // so one is sent
      longOne.awaitStart();
      awaitCount(registry, "procpool.jobs.sent.ahead", null, sent + 1);

      long freed = System.nanoTime();
      shortOne.releaseAll(1); // a child becomes idle while the quick job waits behind the long one
      assertEquals("1", text(first));
      assertEquals("1", new String(quick.get(10, TimeUnit.SECONDS)));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed);
      assertFalse(blocking.isDone(), "the quick job did not wait for the long one");
      assertEquals("1", new String(next.get(10, TimeUnit.SECONDS)));
      assertEquals(skipped + 1, count(registry, "procpool.jobs.recalled", "skipped"));
      System.out.println("held job taken back and done " + tookMillis + " ms after a child freed");

      longOne.releaseAll(1);
      assertEquals("1", text(blocking));
    }
  }

  @Test
  void childDyingWithHeldJob_returnsItToTheQueue_notCrashed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(1, registry);
        Rendezvous rendezvous = new Rendezvous()) {
      warmUp(pool, 2);
      double sent = count(registry, "procpool.jobs.sent.ahead", null);
      CompletableFuture<byte[]> running = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      CompletableFuture<byte[]> held = pool.submit(Job.of("sequence", utf8("A")));
      CompletableFuture<byte[]> queued = pool.submit(Job.of("sequence", utf8("B")));
      long pid = rendezvous.awaitStart();
      awaitCount(registry, "procpool.jobs.sent.ahead", null, sent + 1);

      ProcessHandle.of(pid).orElseThrow().destroyForcibly();

      failure(running, FailureCode.CHILD_CRASHED);
      assertEquals("1:A", text(held), "it never ran before: first sequence job of the new child");
      assertEquals("2:B", text(queued));
    }
  }

  @Test
  void deepHold_childDyingReturnsEveryHeldJobInOrder_noneCrashed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(1, registry);
        Rendezvous rendezvous = new Rendezvous()) {
      HeldBehind held = fiveHeldBehindABlocker(pool, registry, rendezvous);
      assertEquals(5, pool.status().get(10, TimeUnit.SECONDS).queued(), "held jobs are queued");

      ProcessHandle.of(held.pid()).orElseThrow().destroyForcibly();

      failure(held.blocker(), FailureCode.CHILD_CRASHED);
      assertEquals(ABCDE, texts(held.sequence()), "in order, none ran");
    }
  }

  @Test
  void deepHold_runningJobCancelledWithInterrupt_heldJobsRunOnceInOrderOnTheReplacement()
      throws Exception {
    // The pool kills the child and reads its connections until it dies: the child was still in
    // the cancelled job, so none of the held jobs started there, and each runs once, elsewhere.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(1, registry);
        Rendezvous rendezvous = new Rendezvous()) {
      HeldBehind held = fiveHeldBehindABlocker(pool, registry, rendezvous);

      assertTrue(held.blocker().cancel(true));

      assertEquals(ABCDE, texts(held.sequence()), "in order, once each");
      assertFalse(
          Long.toString(held.pid()).equals(text(pool.submit(Job.of("pid", new byte[0])))),
          "the cancelled job's child was replaced");
    }
  }

  @Test
  void forgedReplyForAHeldJob_neverCompletesIt_theChildGoes() throws Exception {
    // A job's native code writes a well-formed reply for the job held behind it, result
    // "forged". The pool must not believe it: the liar's job fails PROTOCOL_ERROR, its child is
    // replaced, and the held job either fails with it (it may have started there) or runs on the
    // replacement; it never completes with the forged result.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool =
        ProcessPool.builder()
            .children(1)
            .pipelining(true)
            .meterRegistry(registry)
            .childJvmOptions("--add-opens=java.base/java.io=ALL-UNNAMED")
            .start()) {
      deepen(pool);
      double sent = count(registry, "procpool.jobs.sent.ahead", null);
      long liarPid = Long.parseLong(text(pool.submit(Job.of("pid", new byte[0]))));
      CompletableFuture<byte[]> liar = pool.submit(Job.of("garbage", utf8("next-job")));
      List<CompletableFuture<byte[]>> sequence = sequence(pool, "A", "B");
      awaitCount(registry, "procpool.jobs.sent.ahead", null, sent + 1); // A, behind the liar

      failure(liar, FailureCode.PROTOCOL_ERROR);
      String a;
      try {
        a = text(sequence.get(0));
      } catch (java.util.concurrent.ExecutionException e) {
        PoolException failed = (PoolException) e.getCause();
        a = failed.getMessage();
        assertEquals(FailureCode.PROTOCOL_ERROR, failed.code(), a);
        assertTrue(a.contains("may have started there"), a);
      }
      assertFalse(a.contains("forged"), "the forged result reached the caller: " + a);
      assertFalse(text(sequence.get(1)).contains("forged"));
      assertFalse(
          Long.toString(liarPid).equals(text(pool.submit(Job.of("pid", new byte[0])))),
          "the liar's child was replaced");
    }
  }

  @Test
  void deepHold_cancelledJobInTheMiddle_isSkipped_othersRunInOrder() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(1, registry);
        Rendezvous rendezvous = new Rendezvous()) {
      HeldBehind held = fiveHeldBehindABlocker(pool, registry, rendezvous);
      CompletableFuture<byte[]> blocker = held.blocker();
      List<CompletableFuture<byte[]>> sequence = held.sequence();
      long pid = held.pid();
      double skipped = count(registry, "procpool.jobs.recalled", "skipped");

      assertTrue(sequence.get(2).cancel(true)); // C, third of the four held
      awaitCount(registry, "procpool.jobs.recalled", "skipped", skipped + 1);
      rendezvous.releaseAll(1);

      assertEquals("1", text(blocker));
      assertEquals("1:A", text(sequence.get(0)));
      assertEquals("2:B", text(sequence.get(1)));
      assertEquals("3:D", text(sequence.get(3)), "C never ran");
      assertEquals("4:E", text(sequence.get(4)));
      assertEquals(Long.toString(pid), text(pool.submit(Job.of("pid", new byte[0]))));
    }
  }

  @Test
  void noOpJobs_depthRisesToSixteen_longJobsBringItBackToTwo() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(2, registry)) {
      assertEquals(2, pool.depth(), "before any run time is known: one running, one held");
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        futures.add(pool.submit(Job.of("echo", utf8(Integer.toString(i)))));
      }
      for (int i = 0; i < futures.size(); i++) {
        assertEquals(Integer.toString(i), text(futures.get(i)), "in order of submission");
      }
      assertEquals(16, pool.depth(), "no-op jobs: a child may hold 16");
      futures.clear();
      for (int i = 0; i < 2 * 64; i++) {
        futures.add(pool.submit(Job.of("sleep", utf8("2"))));
      }
      for (CompletableFuture<byte[]> future : futures) {
        future.get(30, TimeUnit.SECONDS);
      }
      assertEquals(2, pool.depth(), "2 ms jobs: a job waits behind one other at most");
    }
  }

  @Test
  void noOpJobs_underPipelining_allCompleteInOrderOfSubmission() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(2, registry)) {
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        futures.add(pool.submit(Job.of("echo", utf8(Integer.toString(i)))));
      }
      for (int i = 0; i < futures.size(); i++) {
        assertEquals(Integer.toString(i), text(futures.get(i)));
      }
      assertTrue(
          count(registry, "procpool.jobs.sent.ahead", null) > 0, "some jobs were sent ahead");
      PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
      assertEquals(0, status.queued());
    }
  }

  @Test
  void fewInFlight_recallsUnderLoad_everyJobSucceeds() throws Exception {
    // Two jobs more in flight than children: jobs are sent ahead, and a child that frees with the
    // queue empty recalls one; a recalled job may come back to the same child while its first copy
    // still waits in the socket, and each skip must drop exactly one copy (a protocol error,
    // "reply for job X while running job Y", was the symptom when it did not; SkipBookTest).
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool = pipelined(2, registry)) {
      java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(4);
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        window.acquire();
        CompletableFuture<byte[]> future =
            pool.submit(Job.of("sleep", utf8(i % 4 == 0 ? "1" : "0")));
        future.whenComplete((r, e) -> window.release());
        futures.add(future);
      }
      for (CompletableFuture<byte[]> future : futures) {
        future.get(30, TimeUnit.SECONDS);
      }
      assertTrue(count(registry, "procpool.jobs.sent.ahead", null) > 0, "jobs were sent ahead");
      System.out.println(
          "recalled: skipped "
              + count(registry, "procpool.jobs.recalled", "skipped")
              + ", started "
              + count(registry, "procpool.jobs.recalled", "started"));
    }
  }

  private static ProcessPool pipelined(int children, SimpleMeterRegistry registry) {
    return ProcessPool.builder()
        .children(children)
        .pipelining(true)
        .meterRegistry(registry)
        .start();
  }

  /**
   * Runs enough no-op jobs for the depth to rise to 16, then a few 100 ms jobs, so that a job
   * running a few hundred milliseconds is not yet overdue on a busy machine (the mean run time
   * moves at once, the depth only once per 64 runs).
   */
  private static void deepen(ProcessPool pool) throws Exception {
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      futures.add(pool.submit(Job.of("echo", utf8("x"))));
    }
    for (CompletableFuture<byte[]> future : futures) {
      future.get(10, TimeUnit.SECONDS);
    }
    assertEquals(16, pool.depth());
    List<CompletableFuture<byte[]>> slow = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      slow.add(pool.submit(Job.of("sleep", utf8("100"))));
    }
    for (CompletableFuture<byte[]> future : slow) {
      future.get(10, TimeUnit.SECONDS);
    }
  }

  private static final List<String> ABCDE = List.of("1:A", "2:B", "3:C", "4:D", "5:E");

  /**
   * A job blocking the one child, and five sequence jobs behind it: four held there, one queued.
   */
  private record HeldBehind(
      CompletableFuture<byte[]> blocker, List<CompletableFuture<byte[]>> sequence, long pid) {}

  private static HeldBehind fiveHeldBehindABlocker(
      ProcessPool pool, SimpleMeterRegistry registry, Rendezvous rendezvous) throws Exception {
    deepen(pool);
    double sent = count(registry, "procpool.jobs.sent.ahead", null);
    CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
    List<CompletableFuture<byte[]>> sequence = sequence(pool, "A", "B", "C", "D", "E");
    long pid = rendezvous.awaitStart();
    awaitCount(registry, "procpool.jobs.sent.ahead", null, sent + 4); // the last stays queued
    return new HeldBehind(blocker, sequence, pid);
  }

  private static List<String> texts(List<CompletableFuture<byte[]>> futures) throws Exception {
    List<String> texts = new ArrayList<>();
    for (CompletableFuture<byte[]> future : futures) {
      texts.add(text(future));
    }
    return texts;
  }

  /** One {@code sequence} job per name, submitted in order (each answers "n:name" in its child). */
  private static List<CompletableFuture<byte[]>> sequence(ProcessPool pool, String... names) {
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    for (String name : names) {
      futures.add(pool.submit(Job.of("sequence", utf8(name))));
    }
    return futures;
  }

  /** A few 50 ms jobs, so the pool's recent run time is known. */
  private static void warmUp(ProcessPool pool, int jobs) throws Exception {
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      futures.add(pool.submit(Job.of("sleep", utf8("50"))));
    }
    for (CompletableFuture<byte[]> future : futures) {
      future.get(10, TimeUnit.SECONDS);
    }
  }

  private static double count(SimpleMeterRegistry registry, String name, String outcome) {
    var search = registry.find(name);
    if (outcome != null) {
      search = search.tag("outcome", outcome);
    }
    var counter = search.counter();
    return counter == null ? 0 : counter.count();
  }

  /** Waits (10 s at most) for the counter to reach {@code target}. */
  private static void awaitCount(
      SimpleMeterRegistry registry, String name, String outcome, double target)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (count(registry, name, outcome) < target && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(
        count(registry, name, outcome) >= target,
        name + " did not reach " + target + ": " + count(registry, name, outcome));
  }
}
