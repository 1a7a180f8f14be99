package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retryable (idempotent) job types survive a child's death; poison jobs are quarantined. */
class RetryIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void retryableJob_childDies_rerunsOnReplacement(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("ran-once");
    try (ProcessPool pool =
        ProcessPool.builder().children(1).retryableJobTypes("crash-once").start()) {
      assertEquals("survived", text(pool.submit(Job.of("crash-once", utf8(marker.toString())))));
      assertTrue(Files.exists(marker), "the first run happened and crashed");
    }
  }

  @Test
  void nonRetryableJob_childDies_failsAndNeverRunsAgain(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("ran-once");
    try (ProcessPool pool =
        ProcessPool.builder().children(1).retryableJobTypes("something-else").start()) {
      failure(
          pool.submit(Job.of("crash-once", utf8(marker.toString()))), FailureCode.CHILD_CRASHED);
      assertTrue(Files.exists(marker));
      assertEquals("still here", text(pool.submit(Job.of("echo", utf8("still here")))));
    }
  }

  @Test
  void poisonJob_killsItsChildEveryRun_quarantinedAfterMaxAttempts() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(2).retryableJobTypes("exit").maxAttempts(3).start()) {
      PoolException e = failure(pool.submit(Job.of("exit", utf8("3"))), FailureCode.POISON_JOB);
      assertTrue(e.getMessage().contains("each of its 3 runs"), e.getMessage());
      assertEquals("fine", text(pool.submit(Job.of("echo", utf8("fine")))), "the pool recovered");
    }
  }
}
