package dev.procpool.internal.engine;

/** One child as the status page shows it; the pool turns it into {@code PoolStatus.Child}. */
public record ChildSnapshot(
    int id,
    long pid,
    ChildSlot.State state,
    long jobsDone,
    String jobType,
    long jobMillis,
    long uptimeMillis,
    long heapBytes,
    long rssBytes,
    long cpuMillis,
    long allocatedBytes) {}
