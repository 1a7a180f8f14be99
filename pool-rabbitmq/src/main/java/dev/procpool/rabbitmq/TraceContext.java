package dev.procpool.rabbitmq;

import java.util.Map;

/**
 * Carries the W3C trace context ({@code traceparent}, {@code tracestate}) across the broker: the
 * client writes the caller's into a job's headers, the worker makes the job's current while it
 * submits it to the pool. Without OpenTelemetry on the class path it is {@link #NONE}, and no
 * OpenTelemetry class is ever loaded ({@link Tracing} decides). Thread-safe.
 */
interface TraceContext {
  /** Writes the current trace context into {@code headers}, if there is one. */
  void inject(Map<String, Object> headers);

  /** Makes the trace context in {@code headers} current until the scope closes. */
  Scope extract(Map<String, Object> headers);

  /** A scope that throws nothing when it closes. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** No tracing: nothing written, nothing made current. */
  TraceContext NONE =
      new TraceContext() {
        @Override
        public void inject(Map<String, Object> headers) {}

        @Override
        public Scope extract(Map<String, Object> headers) {
          return () -> {};
        }
      };
}
