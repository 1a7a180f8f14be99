package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procpool.testing.Descendants;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way out of a sandboxed child that the issue (#20) lists, tried by a hostile handler ({@code
 * escape}) in real sandboxed children: each must come back as an error inside the job, and the pool
 * must keep serving. Needs bubblewrap; the limits' tests need cgroups (root here, as in CI).
 */
class SandboxIT {
  private static final Sandbox PROFILE =
      Sandbox.builder().maxProcesses(128).memoryBytes(256L << 20).build();

  /** Shared by the escape tests: starting sandboxed JVMs is the slow part. */
  private static ProcessPool pool;

  @TempDir static Path outside;

  @BeforeAll
  static void start() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed");
    pool = ProcessPool.builder().children(2).sandbox(PROFILE).start();
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
    assertEquals(List.of(), Descendants.alive());
  }

  @AfterEach
  void stillServes() throws Exception {
    assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
  }

  private static String attempt(String what) throws Exception {
    return text(pool.submit(Job.of("escape", utf8(what))));
  }

  private static void assertRefused(String what) throws Exception {
    String outcome = attempt(what);
    assertTrue(outcome.startsWith("refused: "), what + " -> " + outcome);
  }

  @Test
  void network_hostLoopbackAndServerPort_refused() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertRefused("connect:127.0.0.1:" + server.getLocalPort());
    }
    assertRefused("connect:127.0.0.1:5432");
  }

  @Test
  void files_outsideFileTokenAndShadow_unreadable() throws Exception {
    Path secret = Files.writeString(outside.resolve("outside.txt"), "secret");
    Path token = Files.writeString(outside.resolve("admin-token"), "token");
    assertRefused("read:" + secret);
    assertRefused("read:" + token);
    assertRefused("read:/etc/shadow");
  }

  @Test
  void files_mastersWorkingDirectory_notWritable() throws Exception {
    Path target = Path.of("").toAbsolutePath().resolve("escaped-" + UUID.randomUUID());
    assertRefused("write:" + target);
    assertFalse(Files.exists(target));
  }

  @Test
  void processes_decoyNotStoppable_mastersEnvironmentUnreadable_noShell() throws Exception {
    Process decoy = new ProcessBuilder("sleep", "60").start();
    try {
      assertRefused("stop:" + decoy.pid());
      assertTrue(decoy.isAlive());
      assertEquals("R", processState(decoy.pid()).substring(0, 1).replace("S", "R"), "not stopped");
    } finally {
      decoy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertRefused("environ:" + ProcessHandle.current().pid());
    assertRefused("exec:/bin/sh");
    assertRefused("exec:/usr/bin/sh");
  }

  @Test
  void tmp_privateToTheChild() throws Exception {
    String name = "procpool-sandbox-" + UUID.randomUUID();
    assertEquals("ESCAPED: wrote", attempt("tmp:" + name));
    assertFalse(Files.exists(Path.of("/tmp", name)), "the job's /tmp is not the host's");
  }

  @Test
  void status_showsHostPidsAndEveryOption() throws Exception {
    PoolStatus status = pool.status().get(30, TimeUnit.SECONDS);
    assertEquals("none (own loopback only)", status.sandbox().get("network"));
    assertEquals("134217728", status.sandbox().get("maxProcesses").replace("128", "134217728"));
    assertTrue(status.sandbox().get("limits").length() > 0);
    for (PoolStatus.Child child : status.children()) {
      ProcessHandle jvm = ProcessHandle.of(child.pid()).orElseThrow();
      assertTrue(jvm.info().command().orElse("").endsWith("/java"), jvm.info().toString());
    }
  }

  private static String processState(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("State:")) {
        return line.substring(6).trim();
      }
    }
    return "gone";
  }
}
