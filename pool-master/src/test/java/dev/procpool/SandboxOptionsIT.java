package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.procpool.testing.Descendants;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile's options open exactly what they say; a missing bubblewrap fails the start. */
class SandboxOptionsIT {
  @TempDir Path dir;

  @AfterEach
  void noOrphans() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void hostNetworkAndPaths_openWhatTheyName() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed");
    Path model = Files.writeString(dir.resolve("model.bin"), "weights");
    Path scratch = Files.createDirectory(dir.resolve("scratch"));
    Sandbox profile = Sandbox.builder().hostNetwork(true).readOnly(model).writable(scratch).build();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ProcessPool pool = ProcessPool.builder().children(1).sandbox(profile).start()) {
      String connect = "connect:127.0.0.1:" + server.getLocalPort();
      assertTrue(text(pool.submit(Job.of("escape", utf8(connect)))).startsWith("ESCAPED"));
      assertEquals(
          "ESCAPED: 7 bytes of " + model,
          text(pool.submit(Job.of("escape", utf8("read:" + model)))));
      assertTrue(
          text(pool.submit(Job.of("escape", utf8("write:" + model)))).startsWith("refused"),
          "read-only stays read-only");
      Path written = scratch.resolve("out.txt");
      assertTrue(text(pool.submit(Job.of("escape", utf8("write:" + written)))).startsWith("ESC"));
      assertEquals("escaped", Files.readString(written));
      assertEquals("host", pool.status().get().sandbox().get("network"));
    }
  }

  @Test
  void classDataArchive_recordedThroughTheSandbox_thenUsedReadOnly_rollingRestartServes()
      throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed");
    // AppCDS archives jars only: the children's class path without the test's directories.
    List<Path> jars = new java.util.ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.endsWith(".jar")) {
        jars.add(Path.of(entry));
      }
    }
    Path cds = dir.resolve("cds");
    PoolConfigBuilder config =
        ProcessPool.builder()
            .children(1)
            .childClasspathOverride(jars)
            .childClassDataDirectory(cds)
            .sandbox(Sandbox.strict());
    try (ProcessPool pool = config.start()) {
      assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
    } // the recording child writes its archive as it exits
    try (java.util.stream.Stream<Path> files = Files.list(cds)) {
      assertEquals(
          1, files.filter(f -> f.toString().endsWith(".jsa")).count(), "one archive recorded");
    }
    try (ProcessPool pool = config.start()) {
      long before = pool.status().get().children().get(0).pid();
      pool.restartChildren().get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("ok", text(pool.submit(Job.of("echo", utf8("ok")))));
      long after =
          pool.status().get().children().stream()
              .filter(c -> c.state() == PoolStatus.ChildState.IDLE)
              .findFirst()
              .orElseThrow()
              .pid();
      assertTrue(after != before && ProcessHandle.of(after).isPresent(), before + " -> " + after);
    }
  }

  @Test
  void noBubblewrap_startFailsWithSpawnFailed_namingTheFix() {
    PoolException e =
        assertThrows(
            PoolException.class,
            () ->
                ProcessPool.builder()
                    .children(1)
                    .sandbox(Sandbox.builder().bwrap(dir.resolve("no-bwrap")).build())
                    .start());
    assertEquals(FailureCode.SPAWN_FAILED, e.code());
    assertTrue(e.getMessage().contains("apt-get install bubblewrap"), e.getMessage());
  }

  @Test
  void refusedNamespaces_startFailsWithSpawnFailed_namingTheFix() throws Exception {
    // A stand-in bwrap that refuses as bubblewrap does where user namespaces are off.
    Path fake = dir.resolve("bwrap");
    Files.writeString(
        fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    assertTrue(fake.toFile().setExecutable(true));
    PoolException e =
        assertThrows(
            PoolException.class,
            () ->
                ProcessPool.builder()
                    .children(1)
                    .sandbox(Sandbox.builder().bwrap(fake).build())
                    .start());
    assertEquals(FailureCode.SPAWN_FAILED, e.code());
    assertTrue(e.getMessage().contains("No permissions to create new namespace"), e.getMessage());
    assertTrue(e.getMessage().contains("unprivileged user namespaces"), e.getMessage());
  }
}
