package dev.procpool;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory the children share: the cgroup's limit when there is one (a container), else the
 * machine's. Only for the crash report's OOM-killer hint; 0 when unknown. Read once per pool, on
 * the caller's thread.
 */
final class MemoryLimit {
  private MemoryLimit() {}

  static long bytes() {
    long machine = machineBytes();
    for (Path file :
        new Path[] {
          Path.of("/sys/fs/cgroup/memory.max"),
          Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        }) {
      try {
        String text = Files.readString(file).trim();
        long cgroup = Long.parseLong(text);
        if (cgroup > 0 && (machine == 0 || cgroup < machine)) {
          return cgroup;
        }
      } catch (java.io.IOException | NumberFormatException | SecurityException e) {
        // "max", absent, or not readable: no cgroup limit
      }
    }
    return machine;
  }

  /** MemTotal from /proc/meminfo ("MemTotal: 24576000 kB"), 0 if unreadable. */
  private static long machineBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          String[] fields = line.trim().split("\\s+");
          return Long.parseLong(fields[1]) * 1024;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux, or not readable
    }
    return 0;
  }
}
