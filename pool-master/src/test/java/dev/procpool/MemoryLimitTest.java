package dev.procpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The OOM hint's memory figure, read from Linux's files instead of the JMX beans. */
class MemoryLimitTest {

  @Test
  void onLinux_isTheMachinesMemoryOrASmallerCgroupLimit() {
    long bytes = MemoryLimit.bytes();
    if (!Files.isReadable(Path.of("/proc/meminfo"))) {
      assertEquals(0, bytes, "unknown off Linux");
      return;
    }
    long machine =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    assertTrue(bytes > 0 && bytes <= machine, bytes + " vs the machine's " + machine);
  }
}
