package dev.procpool.internal.trace;

import dev.procpool.internal.engine.JobTracer;

/**
 * Turns the object given to {@code PoolConfigBuilder.tracing} into a {@link JobTracer}, loading
 * OpenTelemetry classes only when that object is an OpenTelemetry: without one, or with tracing
 * off, no {@code io.opentelemetry} class is touched (the API is an optional dependency).
 *
 * <p>Any thread; holds no state.
 */
public final class Tracing {
  static final String OPEN_TELEMETRY = "io.opentelemetry.api.OpenTelemetry";
  static final String OBSERVATION_REGISTRY = "io.micrometer.observation.ObservationRegistry";

  private Tracing() {}

  /**
   * Rejects anything but an {@code io.opentelemetry.api.OpenTelemetry} or a Micrometer {@code
   * ObservationRegistry}, with {@link IllegalArgumentException} naming the class given.
   */
  public static Object check(Object tracing) {
    if (!isA(OPEN_TELEMETRY, tracing) && !isA(OBSERVATION_REGISTRY, tracing)) {
      throw new IllegalArgumentException(
          "tracing must be an "
              + OPEN_TELEMETRY
              + " or an "
              + OBSERVATION_REGISTRY
              + ": "
              + tracing.getClass().getName());
    }
    return tracing;
  }

  /** The tracer for a checked object; {@link JobTracer#NOOP} for null (tracing off). */
  public static JobTracer tracer(Object tracing) {
    if (tracing == null) {
      return JobTracer.NOOP;
    }
    if (isA(OBSERVATION_REGISTRY, tracing)) {
      return ObservationJobTracer.of(tracing);
    }
    return OtelJobTracer.of(tracing);
  }

  /**
   * Whether {@code value} is an instance of the named type, as seen from the value's own class
   * loader: the type is looked up by name, so a missing library is a "no", never a linkage error.
   */
  private static boolean isA(String typeName, Object value) {
    ClassLoader loader = value.getClass().getClassLoader();
    try {
      return Class.forName(typeName, false, loader).isInstance(value);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
