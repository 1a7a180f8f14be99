package dev.procpool.internal.engine;

import java.util.Set;

/**
 * What the engine needs of the pool's configuration, in its own units (nanoseconds). The pool
 * builds it from a validated {@code PoolConfig}.
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
    int maxAttempts) {

  public EngineSettings {
    retryableJobTypes = Set.copyOf(retryableJobTypes);
  }
}
