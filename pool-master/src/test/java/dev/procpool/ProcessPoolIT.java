package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's normal life with real child JVMs: results, order, one job per child, parallelism. */
class ProcessPoolIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void submit_echo_returnsPayloadFromPersistentChild() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      assertEquals("hello", text(pool.submit(Job.of("echo", utf8("hello")))));
      Set<String> pids = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        pids.add(text(pool.submit(Job.of("pid", new byte[0]))));
      }
      assertEquals(1, pids.size(), "one persistent child serves every job: " + pids);
      assertTrue(Long.parseLong(pids.iterator().next()) != ProcessHandle.current().pid());
    }
  }

  @Test
  void submit_oneChild_runsJobsInSubmissionOrder() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        futures.add(pool.submit(Job.of("sequence", utf8("job" + i))));
      }
      for (int i = 0; i < futures.size(); i++) {
        assertEquals((i + 1) + ":job" + i, text(futures.get(i)));
      }
    }
  }

  @Test
  void submit_manyJobs_neverTwoAtOnceInOneChild() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).start()) {
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        futures.add(pool.submit(Job.of("span", utf8(Integer.toString(i % 3)))));
      }
      Map<Long, List<long[]>> spansByPid = new HashMap<>();
      for (CompletableFuture<byte[]> future : futures) {
        String[] parts = text(future).split(":");
        spansByPid
            .computeIfAbsent(Long.parseLong(parts[0]), pid -> new ArrayList<>())
            .add(new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
      }
      assertEquals(2, spansByPid.size(), "both children worked");
      for (List<long[]> spans : spansByPid.values()) {
        spans.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < spans.size(); i++) {
          assertTrue(spans.get(i)[0] >= spans.get(i - 1)[1], "jobs overlapped in one child");
        }
      }
    }
  }

  @Test
  void submit_nChildren_runNJobsAtOnce() throws Exception {
    int children = 3;
    try (ProcessPool pool = ProcessPool.builder().children(children).start();
        Rendezvous rendezvous = new Rendezvous()) {
      List<CompletableFuture<byte[]>> futures = new ArrayList<>();
      for (int i = 0; i < children + 1; i++) {
        futures.add(pool.submit(Job.of("rendezvous", rendezvous.payload())));
      }
      Set<Long> pids = new HashSet<>();
      for (int i = 0; i < children; i++) {
        pids.add(rendezvous.awaitStart()); // all of them are running before any is released
      }
      assertEquals(children, pids.size());
      assertTrue(!rendezvous.anotherStartsWithin(300), "the extra job must wait for a free child");
      rendezvous.releaseAll(7);
      for (int i = 0; i < children; i++) {
        assertEquals("7", text(futures.get(i)));
      }
      rendezvous.awaitStart();
      rendezvous.releaseAll(8);
      assertEquals("8", text(futures.get(children)));
    }
  }

  @Test
  void submit_tenThousandEchoes_eachCompletesOnceWithItsOwnPayload() throws Exception {
    int jobs = 10_000;
    try (ProcessPool pool = ProcessPool.builder().children(2).queueCapacity(jobs).start()) {
      AtomicInteger completions = new AtomicInteger();
      List<CompletableFuture<byte[]>> futures = new ArrayList<>(jobs);
      for (int i = 0; i < jobs; i++) {
        CompletableFuture<byte[]> future = pool.submit(Job.of("echo", utf8("payload-" + i)));
        future.whenComplete((r, e) -> completions.incrementAndGet());
        futures.add(future);
      }
      for (int i = 0; i < jobs; i++) {
        assertArrayEquals(utf8("payload-" + i), futures.get(i).get(60, TimeUnit.SECONDS));
      }
      CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
          .get(10, TimeUnit.SECONDS);
      // whenComplete stages may still be running on the callback executor; wait for them, bounded.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (completions.get() < jobs && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(jobs, completions.get());
    }
  }

  @Test
  void submit_protobufJob_resultParsedIntoMessage_badResultIsProtocolError() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      dev.procpool.protocol.Hello message =
          dev.procpool.protocol.Hello.newBuilder()
              .setChildId(42)
              .setPid(7)
              .addJobTypes("typed")
              .build();
      // echo returns the payload, so the result parses back into the same message
      assertEquals(
          message,
          pool.submit(Job.of("echo", message, dev.procpool.protocol.Hello.parser()))
              .get(30, TimeUnit.SECONDS));
      // a pid as text ("12345": tag 0x31 wants 8 more bytes) is not a Hello: the future fails
      dev.procpool.testing.Outcomes.failure(
          pool.submit(Job.of("pid", message, dev.procpool.protocol.Hello.parser())),
          FailureCode.PROTOCOL_ERROR);
      assertEquals(
          message,
          pool.submit(Job.of("echo", message, dev.procpool.protocol.Hello.parser()))
              .get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void submit_handlerPrintsToStdout_channelStaysClean() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      for (int i = 0; i < 50; i++) {
        assertEquals("noise " + i, text(pool.submit(Job.of("print", utf8("noise " + i)))));
      }
      assertEquals("still fine", text(pool.submit(Job.of("echo", utf8("still fine")))));
    }
  }
}
