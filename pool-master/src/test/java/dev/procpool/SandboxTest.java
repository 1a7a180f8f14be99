package dev.procpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** One test per rule of {@link Sandbox.Builder}: the exception type and its message. */
class SandboxTest {
  private static void refused(String message, Runnable setter) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setter::run);
    assertEquals(message, e.getMessage());
  }

  @Test
  void paths_mustBeAbsolute_notRoot() {
    refused(
        "readOnly must be an absolute path: models",
        () -> Sandbox.builder().readOnly(Path.of("models")));
    refused(
        "writable must not be the root directory: /",
        () -> Sandbox.builder().writable(Path.of("/")));
    refused(
        "bwrap must be an absolute path: bwrap", () -> Sandbox.builder().bwrap(Path.of("bwrap")));
    refused(
        "cgroupParent must be an absolute path: x",
        () -> Sandbox.builder().cgroupParent(Path.of("x")));
  }

  @Test
  void limits_belowWhatAJvmNeeds_refused() {
    refused("maxProcesses must be >= 64: 10", () -> Sandbox.builder().maxProcesses(10));
    refused(
        "memoryBytes must be 0 or >= 67108864: 1048576",
        () -> Sandbox.builder().memoryBytes(1L << 20));
    refused("maxOpenFiles must be >= 64: 3", () -> Sandbox.builder().maxOpenFiles(3));
    refused("tmpSizeBytes must be >= 1048576: 0", () -> Sandbox.builder().tmpSizeBytes(0));
  }

  @Test
  void defaults_strictAndOff() {
    assertFalse(Sandbox.off().enabled());
    assertTrue(Sandbox.off().settings().isEmpty());
    Sandbox strict = Sandbox.strict();
    assertTrue(strict.enabled());
    assertFalse(strict.hostNetwork());
    assertEquals(512, strict.maxProcesses());
    assertEquals(1L << 30, strict.memoryBytes());
    assertEquals(Sandbox.builder().build(), strict);
    assertEquals("none (own loopback only)", strict.settings().get("network"));
    assertEquals(Sandbox.off(), PoolConfig.builder().build().sandbox());
  }
}
