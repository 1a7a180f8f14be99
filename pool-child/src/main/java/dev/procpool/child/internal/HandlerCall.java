package dev.procpool.child.internal;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;

/**
 * Calls a handler. With the OpenTelemetry API on the child's class path, a traced job's context is
 * made current for the call ({@link OtelHandlerCall}), so the handler's spans join the job's trace;
 * without it, the call is direct and no OpenTelemetry class is ever loaded.
 *
 * <p>Called on the job thread only.
 */
interface HandlerCall {
  HandlerCall DIRECT = (handler, payload, job) -> handler.handle(payload, job);

  byte[] handle(JobHandler handler, byte[] payload, JobContext job) throws Exception;

  /** {@link OtelHandlerCall} when the OpenTelemetry context API can be loaded, else direct. */
  static HandlerCall load() {
    try {
      Class.forName("io.opentelemetry.context.Context", false, HandlerCall.class.getClassLoader());
      Class.forName(
          "io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator",
          false,
          HandlerCall.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return DIRECT;
    }
    return new OtelHandlerCall();
  }
}
