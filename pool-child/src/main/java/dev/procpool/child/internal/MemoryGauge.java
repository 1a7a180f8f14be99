package dev.procpool.child.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child's memory, for the master's recycling, sampled at most every {@link #SAMPLE_NANOS} so a
 * fast job loop pays almost nothing: the heap still in use after the last garbage collection (what
 * survives is what leaks; garbage is not counted) and the resident set size.
 */
final class MemoryGauge {
  static final long SAMPLE_NANOS = 200_000_000L;
  private static final Path STATM = Path.of("/proc/self/statm");
  private static final long PAGE_BYTES = 4096;

  private final List<MemoryPoolMXBean> heapPools = new ArrayList<>();
  private boolean rssAvailable = Files.isReadable(STATM);
  private long sampledAt = System.nanoTime() - SAMPLE_NANOS;
  private long heapBytes;
  private long rssBytes;

  MemoryGauge() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()) {
        heapPools.add(pool);
      }
    }
  }

  /** Heap in use after the last collection, in bytes; 0 before the first one. */
  long heapUsedBytes() {
    sample();
    return heapBytes;
  }

  long rssBytes() {
    sample();
    return rssBytes;
  }

  private void sample() {
    long now = System.nanoTime();
    if (now - sampledAt < SAMPLE_NANOS) {
      return;
    }
    sampledAt = now;
    long heap = 0;
    for (MemoryPoolMXBean pool : heapPools) {
      MemoryUsage afterGc = pool.getCollectionUsage();
      if (afterGc != null) {
        heap += afterGc.getUsed();
      }
    }
    heapBytes = heap;
    if (rssAvailable) {
      try {
        // statm: size resident shared text lib data dt, in pages
        String[] fields = Files.readString(STATM).trim().split(" ");
        rssBytes = Long.parseLong(fields[1]) * PAGE_BYTES;
      } catch (IOException | RuntimeException e) {
        rssAvailable = false;
        rssBytes = 0;
      }
    }
  }
}
