package dev.procpool.server.cli;

import dev.procpool.PoolConfigBuilder;
import dev.procpool.server.http.HttpTracing;
import picocli.CommandLine.Option;

/**
 * {@code --otel}: traces jobs with OpenTelemetry. Without it, nothing here loads an OpenTelemetry
 * class: {@link dev.procpool.server.otel.ServerTelemetry} is reached only after the flag is seen. A
 * picocli mixin, so serve's own options stay as they are. Used on the main thread.
 */
public final class OtelOptions {
  @Option(
      names = "--otel",
      description =
          "Trace jobs with OpenTelemetry, configured by the standard OTEL_* variables (OTLP/HTTP"
              + " to OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER). POST"
              + " /jobs/... accepts a W3C traceparent; the children join the trace. Default: off.")
  boolean enabled;

  /** The SDK, once {@link #start()} made it; null without the flag. */
  private Object telemetry;

  /** Makes the SDK from the environment when the flag is given; once. */
  void start() {
    if (enabled && telemetry == null) {
      telemetry = dev.procpool.server.otel.ServerTelemetry.fromEnvironment();
    }
  }

  /** The pool's builder, tracing with the SDK when there is one. */
  PoolConfigBuilder traced(PoolConfigBuilder pool) {
    return telemetry == null ? pool : Sdk.traced(telemetry, pool);
  }

  /** The HTTP front end's tracing, {@link HttpTracing#OFF} without the SDK. */
  HttpTracing http() {
    return telemetry == null ? HttpTracing.OFF : Sdk.http(telemetry);
  }

  /** The only code that names the SDK's class, so it loads only when there is one. */
  private static final class Sdk {
    static PoolConfigBuilder traced(Object telemetry, PoolConfigBuilder pool) {
      return pool.tracing(((dev.procpool.server.otel.ServerTelemetry) telemetry).openTelemetry());
    }

    static HttpTracing http(Object telemetry) {
      return ((dev.procpool.server.otel.ServerTelemetry) telemetry).http();
    }
  }
}
