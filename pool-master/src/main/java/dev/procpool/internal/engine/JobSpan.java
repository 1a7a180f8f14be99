package dev.procpool.internal.engine;

/**
 * One job's trace as the engine sees it: where it ran and how it ended. {@link #NOOP} when tracing
 * is off, so the hot path never checks for null.
 *
 * <p>Created on the submitting thread by a {@link JobTracer}; every other call comes from the
 * engine's loop, in order: {@link #started} once per attempt, {@link #event} any number of times,
 * {@link #ended} exactly once. Implementations must not block.
 */
public interface JobSpan {
  /** Traces nothing. */
  JobSpan NOOP = new JobSpan() {};

  /**
   * W3C {@code traceparent} carried in the job frame, so the child can parent its spans; "" for
   * none.
   */
  default String traceparent() {
    return "";
  }

  /** W3C {@code tracestate} carried beside {@link #traceparent()}; "" for none. */
  default String tracestate() {
    return "";
  }

  /** A child starts the job: its id in the pool, its host pid, and the attempt (from 1). */
  default void started(int childId, long pid, int attempt) {}

  /** Something worth recording on the job's trace (a stack captured at its time limit, a skip). */
  default void event(String name, String detail) {}

  /** What the job's run cost in its child: CPU time and allocated bytes of its thread. */
  default void cost(long cpuNanos, long allocatedBytes) {}

  /** The job ended: {@code failure} is null for a result. Called exactly once. */
  default void ended(Failure failure, String message) {}
}
