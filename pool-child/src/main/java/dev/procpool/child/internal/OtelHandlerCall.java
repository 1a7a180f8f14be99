package dev.procpool.child.internal;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;

/**
 * Makes a traced job's context current around its handler: the remote parent is the master's {@code
 * procpool.job} span, read from the frame's W3C fields. Loaded only when the OpenTelemetry API is
 * on the class path ({@link HandlerCall#load}). Job thread only.
 */
final class OtelHandlerCall implements HandlerCall {
  private static final TextMapGetter<JobContext> FIELDS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(JobContext job) {
          return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(JobContext job, String key) {
          if (job == null) {
            return null;
          }
          String value =
              switch (key) {
                case "traceparent" -> job.traceparent();
                case "tracestate" -> job.tracestate();
                default -> "";
              };
          return value.isEmpty() ? null : value;
        }
      };

  @Override
  public byte[] handle(JobHandler handler, byte[] payload, JobContext job) throws Exception {
    if (job.traceparent().isEmpty()) {
      return handler.handle(payload, job);
    }
    Context context = W3CTraceContextPropagator.getInstance().extract(Context.root(), job, FIELDS);
    try (Scope scope = context.makeCurrent()) {
      return handler.handle(payload, job);
    }
  }
}
