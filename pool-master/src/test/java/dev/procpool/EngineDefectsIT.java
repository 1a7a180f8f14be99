package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine defects the split found, each through the public API with real child JVMs. */
class EngineDefectsIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void handlerStackOverflow_failsJobFailed_jobBehindItRunsElsewhere() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      CompletableFuture<byte[]> overflow = pool.submit(Job.of("recurse", new byte[0]));
      CompletableFuture<byte[]> behind = pool.submit(Job.of("echo", utf8("innocent")));
      PoolException e = failure(overflow, FailureCode.JOB_FAILED);
      assertEquals("java.lang.StackOverflowError", e.remoteClass().orElse(""));
      // The child said it exits: the queued job waits for the replacement instead of dying with it.
      assertEquals("innocent", text(behind));
    }
  }

  @Test
  void payloadOverMaxFrame_invalidRequestAtSubmit_childUntouched() throws Exception {
    int max = 64 * 1024;
    try (ProcessPool pool = ProcessPool.builder().children(1).maxFrameBytes(max).start()) {
      String pid = text(pool.submit(Job.of("pid", new byte[0])));
      CompletableFuture<byte[]> tooBig = pool.submit(Job.of("echo", new byte[max + 1]));
      assertTrue(tooBig.isDone(), "refused at submit, never queued");
      assertTrue(
          failure(tooBig, FailureCode.INVALID_REQUEST).getMessage().contains("maxFrameBytes"));
      assertEquals(
          pid, text(pool.submit(Job.of("pid", new byte[0]))), "the same child serves the next job");
      assertEquals(
          max - 100,
          pool.submit(Job.of("echo", new byte[max - 100])).get(60, TimeUnit.SECONDS).length);
    }
  }

  @Test
  void queueCapacityMaxValue_acceptsJobs() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).queueCapacity(Integer.MAX_VALUE).start()) {
      List<CompletableFuture<byte[]>> jobs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        jobs.add(pool.submit(Job.of("echo", utf8("x" + i))));
      }
      for (int i = 0; i < 100; i++) {
        assertEquals("x" + i, text(jobs.get(i)));
      }
    }
  }

  @Test
  void hundredThousandQueuedJobsCancelled_completePromptly_poolServesAgain() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      List<CompletableFuture<byte[]>> queued = new ArrayList<>(100_000);
      for (int i = 0; i < 100_000; i++) {
        queued.add(pool.submit(Job.of("echo", new byte[0])));
      }
      for (CompletableFuture<byte[]> job : queued) {
        job.cancel(true);
      }
      // O(1) cancels: the loop gets through them at once; a status round trip proves it is free.
      PoolStatus status = pool.status().get(30, TimeUnit.SECONDS);
      assertEquals(0, status.queued(), status.toString());
      assertTrue(queued.stream().allMatch(CompletableFuture::isCancelled));
      rendezvous.releaseAll(1);
      assertEquals("1", text(blocker));
      assertEquals("again", text(pool.submit(Job.of("echo", utf8("again")))));
    }
  }

  @Test
  void hugeJobTimeout_meansPracticallyNever_submitWorks() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).jobTimeout(Duration.ofSeconds(Long.MAX_VALUE)).start()) {
      assertEquals("fine", text(pool.submit(Job.of("echo", utf8("fine")))));
      assertEquals(
          "too",
          text(
              pool.submit(
                  Job.of("echo", utf8("too")).withTimeout(Duration.ofDays(365L * 1_000_000)))));
    }
  }

  @Test
  void overlappingResizes_eachHasItsOwnAnswer() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      CompletableFuture<Void> first = pool.resize(3);
      CompletableFuture<Void> second = pool.resize(2);
      second.get(60, TimeUnit.SECONDS);
      PoolException superseded = failure(first, FailureCode.CANCELLED);
      assertTrue(superseded.getMessage().contains("superseded"), superseded.getMessage());
      assertEquals(
          2,
          pool.status().get(10, TimeUnit.SECONDS).children().stream()
              .filter(c -> c.state() == PoolStatus.ChildState.IDLE)
              .count());
    }
  }
}
