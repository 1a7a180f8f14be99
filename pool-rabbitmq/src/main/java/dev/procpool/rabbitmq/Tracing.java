package dev.procpool.rabbitmq;

/**
 * Picks the {@link TraceContext}: OpenTelemetry's when its API is on the class path (an optional
 * dependency), else {@link TraceContext#NONE}. The OpenTelemetry implementation is named only as a
 * string here, so this class loads without it.
 */
final class Tracing {
  static final String PROBE = "io.opentelemetry.context.Context";
  private static final String IMPLEMENTATION = "dev.procpool.rabbitmq.OtelTraceContext";

  /** The trace context for this class path, chosen once. */
  static final TraceContext CURRENT = load(PROBE);

  private Tracing() {}

  static TraceContext load(String probe) {
    ClassLoader loader = Tracing.class.getClassLoader();
    try {
      Class.forName(probe, false, loader);
    } catch (ClassNotFoundException | LinkageError absent) {
      return TraceContext.NONE;
    }
    try {
      return (TraceContext)
          Class.forName(IMPLEMENTATION, true, loader).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      return TraceContext.NONE; // an API too old or broken: trace nothing rather than fail jobs
    }
  }
}
