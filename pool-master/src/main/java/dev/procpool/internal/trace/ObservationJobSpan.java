package dev.procpool.internal.trace;

import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.JobSpan;
import io.micrometer.observation.Observation;
import java.util.Map;

/**
 * One job as a Micrometer {@link Observation}: attributes as key values, the start in a child and
 * anything the engine reports as events, the failure code as the error. Observations have no parts
 * with their own times, so the wait and the run are the {@code procpool.job.started} event's before
 * and after.
 *
 * <p>Made on the submitting thread, then used from the pool's loop only, in {@link JobSpan}'s
 * order.
 */
final class ObservationJobSpan implements JobSpan {
  private final Observation observation;
  private final String traceparent;
  private final String tracestate;
  private boolean ended;

  ObservationJobSpan(Observation observation, Map<String, String> carrier) {
    this.observation = observation;
    this.traceparent = carrier.getOrDefault("traceparent", "");
    this.tracestate = carrier.getOrDefault("tracestate", "");
  }

  @Override
  public String traceparent() {
    return traceparent;
  }

  @Override
  public String tracestate() {
    return tracestate;
  }

  @Override
  public void started(int childId, long pid, int attempt) {
    observation
        .highCardinalityKeyValue("procpool.child.id", Integer.toString(childId))
        .highCardinalityKeyValue("procpool.child.pid", Long.toString(pid))
        .highCardinalityKeyValue("procpool.job.attempt", Integer.toString(attempt))
        .event(Observation.Event.of("procpool.job.started", "attempt " + attempt));
  }

  @Override
  public void event(String name, String detail) {
    observation.event(Observation.Event.of(name, detail == null ? name : detail));
  }

  /** What the job cost its child's thread; see {@link OtelJobSpan#cost}. */
  @Override
  public void cost(long cpuNanos, long allocatedBytes) {
    observation
        .highCardinalityKeyValue("procpool.job.cpu_nanos", Long.toString(cpuNanos))
        .highCardinalityKeyValue("procpool.job.allocated_bytes", Long.toString(allocatedBytes));
  }

  @Override
  public void ended(Failure failure, String message) {
    if (ended) {
      throw new AssertionError("job observation ended twice");
    }
    ended = true;
    observation.lowCardinalityKeyValue(
        "procpool.job.outcome", failure == null ? "ok" : failure.name());
    if (failure != null) {
      observation.error(new JobFailed(failure, message));
    }
    observation.stop();
  }

  /** The failure as the observation's error: a code and a message, no stack to fill. */
  static final class JobFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobFailed(Failure failure, String message) {
      super(failure.name() + (message == null ? "" : ": " + message), null, false, false);
    }
  }
}
