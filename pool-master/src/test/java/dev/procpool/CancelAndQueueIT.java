package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cancelling jobs and a full queue. */
class CancelAndQueueIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void cancelQueuedJob_leavesQueue_neverRuns() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      CompletableFuture<byte[]> cancelled = pool.submit(Job.of("sequence", utf8("A")));
      CompletableFuture<byte[]> kept = pool.submit(Job.of("sequence", utf8("B")));
      assertTrue(cancelled.cancel(true));
      assertTrue(cancelled.isCancelled());
      rendezvous.releaseAll(1);
      assertEquals("1", text(blocker));
      assertEquals("1:B", text(kept), "A never ran: B is the child's first sequence job");
    }
  }

  @Test
  void cancelRunningJob_killsAndReplacesItsChild() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> running = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long pid = rendezvous.awaitStart();
      CompletableFuture<byte[]> next = pool.submit(Job.of("pid", new byte[0]));
      assertTrue(running.cancel(true));
      ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
      assertNotEquals(Long.toString(pid), text(next), "the next job runs in a replacement child");
    }
  }

  @Test
  void queueFull_submitReturnsFailedFutureAtOnce() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).queueCapacity(2).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      CompletableFuture<byte[]> first = pool.submit(Job.of("echo", utf8("1")));
      CompletableFuture<byte[]> second = pool.submit(Job.of("echo", utf8("2")));
      CompletableFuture<byte[]> third = pool.submit(Job.of("echo", utf8("3")));
      assertTrue(third.isDone(), "refused without waiting");
      PoolException e = failure(third, FailureCode.QUEUE_FULL);
      assertTrue(e.getMessage().contains("capacity 2"), e.getMessage());
      rendezvous.releaseAll(2);
      assertEquals("2", text(blocker));
      assertEquals("1", text(first));
      assertEquals("2", text(second));
      assertEquals(
          "4", text(pool.submit(Job.of("echo", utf8("4")))), "room again once the queue drains");
    }
  }

  @Test
  void invalidJob_failsWithInvalidRequest() {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      failure(pool.submit(Job.of("", new byte[0])), FailureCode.INVALID_REQUEST);
    }
  }
}
