package dev.procpool.internal.trace;

import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.JobSpan;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/**
 * One job's {@code procpool.job} span with its parts: a {@code procpool.job.wait} span per wait in
 * the queue and a {@code procpool.job.run} span per attempt in a child, so a retried job shows each
 * run. The child parents its spans to the job span (its context goes in the frame).
 *
 * <p>Made on the submitting thread; every other call comes from the pool's loop, in the order
 * {@link JobSpan} gives, so no field needs a lock.
 */
final class OtelJobSpan implements JobSpan {
  private final Tracer tracer;
  private final Span job;
  private final Context jobContext;
  private final String traceparent;
  private final String tracestate;

  /** When the current wait began: submit, or the end of the run before a retry. */
  private long waitingSinceNanos;

  private Span run;
  private boolean ended;

  OtelJobSpan(Tracer tracer, Span job, long submittedNanos) {
    this.tracer = tracer;
    this.job = job;
    this.jobContext = Context.root().with(job);
    this.waitingSinceNanos = submittedNanos;
    SpanContext context = job.getSpanContext();
    if (context.isValid()) {
      this.traceparent =
          "00-"
              + context.getTraceId()
              + "-"
              + context.getSpanId()
              + "-"
              + context.getTraceFlags().asHex();
      this.tracestate = TraceStates.w3c(context.getTraceState());
    } else {
      this.traceparent = "";
      this.tracestate = "";
    }
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
    long now = System.nanoTime();
    if (run != null) {
      // Started again without an end: the child running it was lost and the job was retried.
      endRun(now, "the child was lost; the job was retried");
    }
    tracer
        .spanBuilder("procpool.job.wait")
        .setParent(jobContext)
        .setStartTimestamp(TraceClock.epochNanos(waitingSinceNanos), TimeUnit.NANOSECONDS)
        .setAttribute(JobAttributes.ATTEMPT, (long) attempt)
        .startSpan()
        .end(TraceClock.epochNanos(now), TimeUnit.NANOSECONDS);
    run =
        tracer
            .spanBuilder("procpool.job.run")
            .setParent(jobContext)
            .setStartTimestamp(TraceClock.epochNanos(now), TimeUnit.NANOSECONDS)
            .setAttribute(JobAttributes.CHILD_ID, (long) childId)
            .setAttribute(JobAttributes.CHILD_PID, pid)
            .setAttribute(JobAttributes.ATTEMPT, (long) attempt)
            .startSpan();
    job.setAttribute(JobAttributes.CHILD_ID, (long) childId);
    job.setAttribute(JobAttributes.CHILD_PID, pid);
    job.setAttribute(JobAttributes.ATTEMPT, (long) attempt);
  }

  /** The event the engine reports when a lost child's job goes back to the queue for a retry. */
  static final String RETRIED = "procpool.job.retried";

  @Override
  public void event(String name, String detail) {
    if (RETRIED.equals(name) && run != null) {
      // The attempt ended when its child was lost, not when the next one starts.
      endRun(System.nanoTime(), detail == null ? "the child was lost" : detail);
    }
    long now = TraceClock.now();
    Attributes attributes =
        detail == null ? Attributes.empty() : Attributes.of(JobAttributes.DETAIL, detail);
    job.addEvent(name, attributes, now, TimeUnit.NANOSECONDS);
  }

  /**
   * What the job cost its child's thread, from the reply. Not yet on {@link JobSpan}: the engine
   * calls it once the seam has it (see docs/observability.md).
   */
  @Override
  public void cost(long cpuNanos, long allocatedBytes) {
    job.setAttribute(JobAttributes.CPU_NANOS, cpuNanos);
    job.setAttribute(JobAttributes.ALLOCATED_BYTES, allocatedBytes);
  }

  @Override
  public void ended(Failure failure, String message) {
    if (ended) {
      throw new AssertionError("job span ended twice: " + job.getSpanContext().getSpanId());
    }
    ended = true;
    long now = System.nanoTime();
    if (run != null) {
      endRun(now, failure == null ? null : failure.name() + ": " + message);
    } else {
      // Never ran (refused, cancelled or expired in the queue): the whole life was a wait.
      tracer
          .spanBuilder("procpool.job.wait")
          .setParent(jobContext)
          .setStartTimestamp(TraceClock.epochNanos(waitingSinceNanos), TimeUnit.NANOSECONDS)
          .startSpan()
          .end(TraceClock.epochNanos(now), TimeUnit.NANOSECONDS);
    }
    if (failure == null) {
      job.setAttribute(JobAttributes.OUTCOME, "ok");
    } else {
      job.setAttribute(JobAttributes.OUTCOME, failure.name());
      job.setAttribute(JobAttributes.ERROR_TYPE, failure.name());
      job.setStatus(StatusCode.ERROR, message == null ? failure.name() : message);
    }
    job.end(TraceClock.epochNanos(now), TimeUnit.NANOSECONDS);
  }

  private void endRun(long nowNanos, String error) {
    if (error != null) {
      run.setStatus(StatusCode.ERROR, error);
    }
    run.end(TraceClock.epochNanos(nowNanos), TimeUnit.NANOSECONDS);
    run = null;
    waitingSinceNanos = nowNanos;
  }
}
