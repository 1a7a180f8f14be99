package dev.procpool.child;

import java.time.Duration;
import java.util.Optional;

/** What a handler may know about the job it is running. */
public interface JobContext {

  /** The master's id for this job, unique within the pool. */
  long jobId();

  /** The job type, the same as {@link JobHandler#type()}. */
  String type();

  /**
   * The time limit the master enforces for this job, if any. When it passes, the master kills this
   * child; a handler may use it to give up earlier (for example as a JDBC query timeout).
   */
  Optional<Duration> timeout();

  /**
   * The caller's deadline, if it gave one ({@code Job.withDeadline}, HTTP {@code
   * X-Job-Deadline-Ms}): after it, nobody waits for the answer. A handler can size its own limits
   * from it, for example {@code statement.setQueryTimeout(...)} from the time left.
   */
  default Optional<java.time.Instant> deadline() {
    return Optional.empty();
  }

  /**
   * The job's W3C trace context ({@code 00-<trace id>-<span id>-<flags>}), "" when the pool does
   * not trace. With the OpenTelemetry API on the child's class path the context is already current
   * while {@link JobHandler#handle} runs: a span the handler starts is a child of the job's span,
   * with no code here. This string is for other tracers, or to pass the context on by hand.
   */
  default String traceparent() {
    return "";
  }

  /** W3C {@code tracestate} that goes with {@link #traceparent()}; "" for none. */
  default String tracestate() {
    return "";
  }

  /** The child this job runs in. */
  ChildContext child();
}
