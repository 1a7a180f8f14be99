package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 10,000 echo jobs through 2 children while another thread SIGKILLs children: every future
 * completes once, every echo comes back to its own caller, failures are CHILD_CRASHED only and no
 * more than the kills; then a stuck job times out and the pool still serves. With and without
 * pipelining: a job held by a killed child returns to the queue.
 */
class KillUnderLoadIT {

  @ParameterizedTest(name = "pipelining={0}")
  @ValueSource(booleans = {false, true})
  void sigkillsDuringLoad_nothingLostNothingCrossed(boolean pipelining) throws Exception {
    int jobs = 10_000;
    AtomicInteger kills = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ProcessPool pool =
        ProcessPool.builder().children(2).queueCapacity(jobs).pipelining(pipelining).start();
    Thread killer =
        new Thread(
            () -> {
              // Bounded in count and time.
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
              while (!stop.get() && kills.get() < 15 && System.nanoTime() < deadline) {
                List<ProcessHandle> children =
                    ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
                if (!children.isEmpty()) {
                  ProcessHandle victim =
                      children.get(ThreadLocalRandom.current().nextInt(children.size()));
                  if (victim.destroyForcibly()) {
                    kills.incrementAndGet();
                  }
                }
                try {
                  Thread.sleep(40); // the pace of an operator's kill loop, not a synchronisation
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "killer");
    try {
      AtomicInteger completions = new AtomicInteger();
      List<CompletableFuture<byte[]>> futures = new ArrayList<>(jobs);
      killer.start();
      for (int i = 0; i < jobs; i++) {
        CompletableFuture<byte[]> future = pool.submit(Job.of("echo", utf8("job-" + i)));
        future.whenComplete((r, e) -> completions.incrementAndGet());
        futures.add(future);
      }
      int crashed = 0;
      for (int i = 0; i < jobs; i++) {
        try {
          byte[] result = futures.get(i).get(60, TimeUnit.SECONDS);
          assertTrue(
              Arrays.equals(utf8("job-" + i), result), "job " + i + " got someone else's reply");
        } catch (ExecutionException e) {
          PoolException failure = (PoolException) e.getCause();
          assertEquals(FailureCode.CHILD_CRASHED, failure.code(), failure.getMessage());
          crashed++;
        }
      }
      stop.set(true);
      killer.join(10_000);
      assertTrue(
          crashed <= kills.get(), crashed + " crashed jobs but only " + kills.get() + " kills");

      failure(
          pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(300))),
          FailureCode.JOB_TIMEOUT);
      assertEquals("alive", text(pool.submit(Job.of("echo", utf8("alive")))));

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (completions.get() < jobs && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(jobs, completions.get(), "every future completed exactly once");
    } finally {
      stop.set(true);
      pool.close();
    }
    assertEquals(List.of(), Descendants.alive());
  }
}
