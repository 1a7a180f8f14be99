package dev.procpool.internal.engine;

import java.util.Set;

/**
 * What the engine needs of the pool's configuration, in its own units (nanoseconds). The pool
 * builds it from a validated {@code PoolConfig}. {@code memoryLimitBytes} is the machine's (or its
 * cgroup's) memory, for the OOM-killer hint in crash reports, 0 if unknown; {@code
 * slowJobThresholdNanos} logs the stack of a job still running past it, 0 for never; {@code
 * pipelining} sends busy children one queued job ahead.
 */
public record EngineSettings(
    String poolName,
    int children,
    int maxChildren,
    long childIdleTimeoutNanos,
    long maxJobsPerChild,
    long startTimeoutNanos,
    int spawnFailureLimit,
    long recycleAboveHeapBytes,
    long recycleAboveRssBytes,
    Set<String> retryableJobTypes,
    int maxAttempts,
    long memoryLimitBytes,
    long slowJobThresholdNanos,
    boolean pipelining) {

  public EngineSettings {
    retryableJobTypes = Set.copyOf(retryableJobTypes);
  }
}
