package dev.procpool.internal.engine;

import java.util.Collection;

/**
 * What the pool reports as it works. Implementations must be cheap and thread-safe: most calls come
 * from the event loop, rejections at submit come from the caller's thread.
 */
public interface PoolMetrics {
  /** Reports nothing; the default when no registry is configured. */
  PoolMetrics NOOP = new PoolMetrics() {};

  /** Job types the children serve; other types are tagged {@code other} to bound cardinality. */
  default void knownTypes(Collection<String> types) {}

  /** A job entered the queue. */
  default void jobQueued(String type) {}

  /** A child started the job after it waited {@code waitNanos} in the queue. */
  default void jobStarted(String type, long waitNanos) {}

  /** The job returned a result after running {@code runNanos}. */
  default void jobSucceeded(String type, long runNanos) {}

  /** The job failed; {@code runNanos} is negative when it never ran. */
  default void jobFailed(String type, Failure code, long runNanos) {}

  /**
   * The user cancelled a running job without interrupting it: it runs on, its outcome is dropped.
   */
  default void jobDiscarded(String type) {}

  /** Pipelining: a queued job was sent to a busy child, to wait behind its running job. */
  default void jobSentAhead() {}

  /**
   * Pipelining: a child answered a request to skip the job it held: {@code skipped}, or it had
   * started it.
   */
  default void skipAnswered(boolean skipped) {}

  /** A child said hello and is ready. */
  default void childStarted() {}

  /**
   * A child process ended: {@code crashed}, {@code stopped} (by the pool) or {@code start_failed}.
   */
  default void childDied(String cause) {}

  /** A job ran past the slow-job threshold (and goes on running). */
  default void jobSlow(String type) {}

  /**
   * What a finished job cost: its thread's CPU time and allocated bytes in the child, and the IPC
   * overhead (the master's round trip minus the handler's own time; negative if unknown).
   */
  default void jobCost(String type, long cpuNanos, long allocatedBytes, long overheadNanos) {}
}
