package dev.procpool.internal.engine;

/** What a child reported of its resources with its replies. Confined to the loop. */
final class ChildUsage {
  long heapBytes;
  long rssBytes;
  long cpuNanos;
  long allocatedBytes;

  void memory(long heapBytes, long rssBytes) {
    this.heapBytes = heapBytes;
    this.rssBytes = rssBytes;
  }

  /** Adds a finished job's cost in the child. */
  void cost(long cpuNanos, long allocatedBytes) {
    this.cpuNanos += cpuNanos;
    this.allocatedBytes += allocatedBytes;
  }
}
