package dev.procpool.server.otel;

import dev.procpool.server.http.HttpTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * The server's OpenTelemetry SDK, configured from the standard {@code OTEL_*} variables (and {@code
 * otel.*} system properties) by autoconfigure. Where they say nothing: service {@code procpool},
 * traces by OTLP/HTTP (the Java SDK would pick gRPC, which this jar has no sender for), no metrics
 * or logs (the server's meters are on {@code /metrics}). Autoconfigure's shutdown hook flushes the
 * exporter when the server exits.
 *
 * <p>Loaded only with {@code serve --otel}, through {@code OtelOptions}. Made once, on the main
 * thread.
 */
public final class ServerTelemetry {
  static final String SCOPE = "dev.procpool.server";

  private final OpenTelemetry openTelemetry;

  private ServerTelemetry(OpenTelemetry openTelemetry) {
    this.openTelemetry = openTelemetry;
  }

  public static ServerTelemetry fromEnvironment() {
    return new ServerTelemetry(
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.service.name", "procpool",
                        "otel.exporter.otlp.protocol", "http/protobuf",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
            .build()
            .getOpenTelemetrySdk());
  }

  /** For {@code PoolConfigBuilder.tracing}. */
  public Object openTelemetry() {
    return openTelemetry;
  }

  /** HTTP server spans for the front end. */
  public HttpTracing http() {
    return () -> new ServerSpans(openTelemetry);
  }
}
