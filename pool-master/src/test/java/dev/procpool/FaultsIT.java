package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.child.fixtures.FailOpenWhenFlagged;
import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each fault a child can have, with real child JVMs: only the faulty job fails, the pool recovers.
 */
class FaultsIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void handlerThrows_jobFailedWithRemoteDetails_childStays() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      String pid = text(pool.submit(Job.of("pid", new byte[0])));
      PoolException e =
          failure(pool.submit(Job.of("throw", utf8("bad input 42"))), FailureCode.JOB_FAILED);
      assertEquals("java.lang.IllegalStateException", e.remoteClass().orElseThrow());
      assertTrue(e.getMessage().contains("bad input 42"), e.getMessage());
      assertTrue(
          e.remoteStack().orElseThrow().contains("dev.procpool.child.fixtures.Throw.handle"));
      assertEquals(pid, text(pool.submit(Job.of("pid", new byte[0]))), "the same child goes on");
    }
  }

  @Test
  void unknownType_failsWithUnknownJobType_childStays() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      String pid = text(pool.submit(Job.of("pid", new byte[0])));
      PoolException e =
          failure(pool.submit(Job.of("no-such-type", new byte[0])), FailureCode.UNKNOWN_JOB_TYPE);
      assertTrue(e.getMessage().contains("no-such-type"), e.getMessage());
      assertEquals(pid, text(pool.submit(Job.of("pid", new byte[0]))));
    }
  }

  @Test
  void childExitsMidJob_onlyThatJobCrashes_queuedJobsRunOnReplacement() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      String before = text(pool.submit(Job.of("pid", new byte[0])));
      CompletableFuture<byte[]> exiting = pool.submit(Job.of("exit", utf8("13")));
      List<CompletableFuture<byte[]>> queued = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        queued.add(pool.submit(Job.of("echo", utf8("after-" + i))));
      }
      PoolException e = failure(exiting, FailureCode.CHILD_CRASHED);
      assertTrue(e.getMessage().contains("System.exit(13)"), e.getMessage());
      assertTrue(e.getMessage().contains("pid " + before), e.getMessage());
      for (int i = 0; i < 5; i++) {
        assertEquals("after-" + i, text(queued.get(i)));
      }
      assertNotEquals(before, text(pool.submit(Job.of("pid", new byte[0]))), "a replacement runs");
    }
  }

  @Test
  void childSigkilledMidJob_jobCrashes_poolRecovers() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> victim = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long pid = rendezvous.awaitStart();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      PoolException e = failure(victim, FailureCode.CHILD_CRASHED);
      assertTrue(e.getMessage().contains("killed by SIGKILL"), e.getMessage());
      for (int i = 0; i < 20; i++) {
        assertEquals("ok" + i, text(pool.submit(Job.of("echo", utf8("ok" + i)))));
      }
    }
  }

  @Test
  void childRunsOutOfMemory_jobCrashes_poolRecovers() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).childJvmOptions("-Xmx32m").start()) {
      PoolException e = failure(pool.submit(Job.of("oom", new byte[0])), FailureCode.CHILD_CRASHED);
      assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
      assertEquals("fine", text(pool.submit(Job.of("echo", utf8("fine")))));
    }
  }

  @Test
  void jobExceedsTimeout_failsWithTimeout_childKilledAndReplaced() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      String before = text(pool.submit(Job.of("pid", new byte[0])));
      CompletableFuture<byte[]> stuck =
          pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(300)));
      CompletableFuture<byte[]> next = pool.submit(Job.of("pid", new byte[0]));
      PoolException e = failure(stuck, FailureCode.JOB_TIMEOUT);
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
      ProcessHandle.of(Long.parseLong(before))
          .ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
      String after = text(next);
      assertNotEquals(before, after, "the stuck child was replaced");
    }
  }

  @Test
  void poolTimeout_appliesToJobsWithoutTheirOwn() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).jobTimeout(Duration.ofMillis(300)).start()) {
      failure(pool.submit(Job.of("hang", new byte[0])), FailureCode.JOB_TIMEOUT);
      // The replacement child serves again. Its first job gets a timeout of its own: on a loaded
      // machine a fresh JVM's first echo can take longer than the pool's 300 ms.
      assertEquals(
          "x", text(pool.submit(Job.of("echo", utf8("x")).withTimeout(Duration.ofSeconds(30)))));
    }
  }

  @Test
  void childrenCannotStart_startThrowsSpawnFailed() {
    long started = System.nanoTime();
    PoolException e =
        assertThrows(
            PoolException.class,
            () ->
                ProcessPool.builder()
                    .children(2)
                    .childJvmOptions("-XX:+NoSuchJvmOption")
                    .spawnFailureLimit(3)
                    .start());
    assertEquals(FailureCode.SPAWN_FAILED, e.code());
    assertTrue(e.getMessage().contains("failed starts in a row"), e.getMessage());
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60), "gave up instead of spinning");
  }

  @Test
  void replacementsKeepFailing_queuedJobsFailWithSpawnFailed_thenRecovers(@TempDir Path dir)
      throws Exception {
    Path flag = dir.resolve("fail-open");
    try (ProcessPool pool =
            ProcessPool.builder()
                .children(1)
                .spawnFailureLimit(2)
                .childJvmOptions("-D" + FailOpenWhenFlagged.PROPERTY + "=" + flag)
                .start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> running = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long pid = rendezvous.awaitStart();
      List<CompletableFuture<byte[]>> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        queued.add(pool.submit(Job.of("echo", utf8("q" + i))));
      }
      Files.createFile(flag); // from now on, new children fail in JobHandler.open
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      failure(running, FailureCode.CHILD_CRASHED);
      for (CompletableFuture<byte[]> job : queued) {
        PoolException e = failure(job, FailureCode.SPAWN_FAILED);
        assertTrue(e.getMessage().contains("keep failing to start"), e.getMessage());
      }
      CompletableFuture<byte[]> refused = pool.submit(Job.of("echo", utf8("now")));
      failure(refused, FailureCode.SPAWN_FAILED);

      Files.delete(flag);
      // Back-off retries keep going (at most 10 s apart); the pool heals without a restart.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      boolean healed = false;
      while (!healed && System.nanoTime() < deadline) {
        CompletableFuture<byte[]> attempt = pool.submit(Job.of("echo", utf8("healed")));
        try {
          healed = "healed".equals(text(attempt));
        } catch (Exception e) {
          Thread.sleep(200); // polling for recovery: no event to wait on from outside
        }
      }
      assertTrue(healed, "the pool recovered once children could start again");
      assertFalse(Files.exists(flag));
    }
  }
}
