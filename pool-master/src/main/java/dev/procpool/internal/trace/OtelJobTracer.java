package dev.procpool.internal.trace;

import dev.procpool.internal.engine.JobSpan;
import dev.procpool.internal.engine.JobTracer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * Starts a {@code procpool.job} span per job, parented to the submitter's current context.
 *
 * <p>Kind INTERNAL: the span covers the job's whole life in the pool (its wait in the queue
 * included), not one request on a wire, and the child is a part of this service, not a remote peer.
 * Any thread.
 */
final class OtelJobTracer implements JobTracer {
  static final String SCOPE = "dev.procpool";

  private final Tracer tracer;

  private OtelJobTracer(OpenTelemetry openTelemetry) {
    String version = OtelJobTracer.class.getPackage().getImplementationVersion();
    this.tracer =
        version == null ? openTelemetry.getTracer(SCOPE) : openTelemetry.getTracer(SCOPE, version);
  }

  static JobTracer of(Object openTelemetry) {
    return new OtelJobTracer((OpenTelemetry) openTelemetry);
  }

  @Override
  public JobSpan begin(String type, String poolName) {
    long startNanos = System.nanoTime();
    Context parent = Context.current();
    Span span =
        tracer
            .spanBuilder("procpool.job")
            .setParent(parent)
            .setSpanKind(SpanKind.INTERNAL)
            .setStartTimestamp(
                TraceClock.epochNanos(startNanos), java.util.concurrent.TimeUnit.NANOSECONDS)
            .setAttribute(JobAttributes.TYPE, type)
            .setAttribute(JobAttributes.POOL, poolName)
            .startSpan();
    return new OtelJobSpan(tracer, span, startNanos);
  }
}
