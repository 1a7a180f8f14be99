package dev.procpool.server.cli;

import dev.procpool.PoolConfigBuilder;
import dev.procpool.server.http.HttpTracing;
import picocli.CommandLine.Option;

/**
 * {@code --otel}: traces jobs with OpenTelemetry. Without it, nothing here loads an OpenTelemetry
 * class: {@link dev.procpool.server.otel.ServerTelemetry} is reached only after the flag is seen. A
 * picocli mixin, so serve's own options stay as they are.
 */
public final class OtelOptions {
  @Option(
      names = "--otel",
      description =
          "Trace jobs with OpenTelemetry, configured by the standard OTEL_* variables (OTLP/HTTP"
              + " to OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER). POST"
              + " /jobs/... accepts a W3C traceparent; the children join the trace. Default: off.")
  boolean enabled;

  private HttpTracing http = HttpTracing.OFF;

  /** Configures tracing on the pool (and the HTTP side) when the flag is given. */
  void apply(PoolConfigBuilder pool) {
    if (!enabled) {
      return;
    }
    dev.procpool.server.otel.ServerTelemetry telemetry =
        dev.procpool.server.otel.ServerTelemetry.fromEnvironment();
    pool.tracing(telemetry.openTelemetry());
    http = telemetry.http();
  }

  /** The HTTP front end's tracing, {@link HttpTracing#OFF} unless {@link #apply} turned it on. */
  HttpTracing http() {
    return http;
  }
}
