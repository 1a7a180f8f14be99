package dev.procpool.internal.engine;

/**
 * Starts one {@link JobSpan} per submitted job, on the submitting thread, so it can capture that
 * thread's current trace context. {@link #NOOP} when tracing is off: no tracing classes are loaded.
 */
@FunctionalInterface
public interface JobTracer {
  /** Traces nothing. */
  JobTracer NOOP = (type, poolName) -> JobSpan.NOOP;

  /** The span of a job of {@code type}, just submitted to the pool {@code poolName}. */
  JobSpan begin(String type, String poolName);
}
