package dev.procpool.child.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;

/**
 * The child's SDK from the {@code OTEL_*} variables it inherited from the master, with the child's
 * id as a resource attribute so its spans say which child made them. Where the variables say
 * nothing, traces go by OTLP/HTTP (the Java SDK's own default is gRPC, which needs a sender most
 * class paths lack) and no metrics or logs are exported: the child only joins traces. Loaded only
 * after {@link ChildTracing} found autoconfigure on the class path.
 */
final class ChildSdk {
  private ChildSdk() {}

  static void install(int childId) {
    AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(
            () ->
                java.util.Map.of(
                    "otel.exporter.otlp.protocol", "http/protobuf",
                    "otel.metrics.exporter", "none",
                    "otel.logs.exporter", "none"))
        .addResourceCustomizer(
            (resource, config) ->
                resource.merge(
                    Resource.create(
                        io.opentelemetry.api.common.Attributes.of(
                            AttributeKey.longKey("procpool.child.id"),
                            (long) childId,
                            AttributeKey.longKey("process.pid"),
                            ProcessHandle.current().pid()))))
        .setResultAsGlobal()
        .build();
  }
}
