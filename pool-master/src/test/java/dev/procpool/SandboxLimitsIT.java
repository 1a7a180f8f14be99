package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procpool.testing.Descendants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sandboxed child that hits a kernel limit dies alone, is replaced, and its crash report names
 * the limit; what the pool knows of a child (host pid, real signal, stacks) is as without a
 * sandbox. The bombs need cgroups the master may create (root here, as in CI).
 */
class SandboxLimitsIT {
  private static ProcessPool pool;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed");
    pool =
        ProcessPool.builder()
            .children(2)
            .sandbox(Sandbox.builder().maxProcesses(96).memoryBytes(192L << 20).build())
            .start();
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
    assertEquals(List.of(), Descendants.alive());
  }

  @AfterEach
  void othersKeepServing() throws Exception {
    assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
  }

  private static void assumeKernelLimits() throws Exception {
    String limits = pool.status().get(30, TimeUnit.SECONDS).sandbox().get("limits");
    assumeTrue(limits.startsWith("cgroup"), limits);
  }

  @Test
  void threadBomb_childDies_reportNamesProcessLimit() throws Exception {
    assumeKernelLimits();
    CompletableFuture<byte[]> other = pool.submit(Job.of("sleep", utf8("300")));
    PoolException e =
        assertThrows(
                        java.util.concurrent.ExecutionException.class,
                        () ->
                            pool.submit(Job.of("escape", utf8("threads:100000")))
                                .get(60, TimeUnit.SECONDS))
                    .getCause()
                instanceof PoolException p
            ? p
            : null;
    assertTrue(e != null && e.getMessage().contains("unable to create native thread"), "" + e);
    assertEquals("300", text(other), "the other job ran on");
    PoolStatus.ChildDeath death = awaitDeath("process/thread limit (pids.max 96");
    assertTrue(death.cause().startsWith("hit its process/thread limit"), death.cause());
  }

  @Test
  void forkBomb_refusedInsideTheJob_orChildDiesNamingTheLimit() throws Exception {
    assumeKernelLimits();
    CompletableFuture<byte[]> bomb = pool.submit(Job.of("escape", utf8("fork:1000")));
    try {
      String outcome = text(bomb);
      assertTrue(outcome.startsWith("refused: "), outcome);
    } catch (java.util.concurrent.ExecutionException e) {
      assertTrue(e.getCause().getMessage().contains("process/thread limit"), e.getMessage());
    }
  }

  @Test
  void memoryHog_killedByTheKernel_reportNamesMemoryLimit() throws Exception {
    assumeKernelLimits();
    PoolException e =
        failure(pool.submit(Job.of("escape", utf8("hog:1024"))), FailureCode.CHILD_CRASHED);
    assertTrue(e.getMessage().contains("memory limit (192 MiB"), e.getMessage());
    assertTrue(e.getMessage().contains("killed by SIGKILL"), e.getMessage());
  }

  @Test
  void killedFromTheHost_reportHasTheSignalAndTheHostPid() throws Exception {
    long pid = Long.parseLong(text(pool.submit(Job.of("pid", new byte[0]))));
    assertTrue(pid == 1 || pid == 2, "inside its namespace a child is pid 1 or 2: " + pid);
    PoolStatus.Child child = pool.status().get(30, TimeUnit.SECONDS).children().get(0);
    ProcessHandle jvm = ProcessHandle.of(child.pid()).orElseThrow();
    CompletableFuture<byte[]> running = pool.submit(Job.of("hang", new byte[0]));
    // Both children may be idle; hang both so the one we kill is surely running a job.
    CompletableFuture<byte[]> running2 = pool.submit(Job.of("hang", new byte[0]));
    jvm.destroyForcibly();
    jvm.onExit().get(30, TimeUnit.SECONDS);
    PoolStatus.ChildDeath death = awaitDeathOf(child.pid());
    assertEquals("SIGKILL", death.signal(), death.toString());
    assertEquals(137, death.exitStatus());
    running.cancel(true);
    running2.cancel(true);
  }

  @Test
  void hangingJob_timeoutCarriesTheStack() throws Exception {
    PoolException e =
        failure(
            pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(500))),
            FailureCode.JOB_TIMEOUT);
    String stack = e.remoteStack().orElse("");
    assertTrue(stack.contains("dev.procpool.child.fixtures.Hang.handle"), stack);
  }

  private static PoolStatus.ChildDeath awaitDeath(String cause) throws Exception {
    for (int i = 0; i < 300; i++) {
      for (PoolStatus.ChildDeath d : pool.status().get(30, TimeUnit.SECONDS).recentDeaths()) {
        if (d.cause().contains(cause)) {
          return d;
        }
      }
      Thread.sleep(100); // polling the public status; bounded at 30 s
    }
    throw new AssertionError("no death by " + cause);
  }

  private static PoolStatus.ChildDeath awaitDeathOf(long pid) throws Exception {
    for (int i = 0; i < 300; i++) {
      for (PoolStatus.ChildDeath d : pool.status().get(30, TimeUnit.SECONDS).recentDeaths()) {
        if (d.pid() == pid) {
          return d;
        }
      }
      Thread.sleep(100); // polling the public status; bounded at 30 s
    }
    throw new AssertionError("no death recorded for pid " + pid);
  }
}
