package dev.procpool.rabbitmq;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Map;

/**
 * The W3C trace context through OpenTelemetry's API. Loaded only by {@link Tracing}, once the API
 * is known to be present. It reads {@link Context#current()} and sets no global state.
 */
final class OtelTraceContext implements TraceContext {
  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapSetter<Map<String, Object>> SETTER = Map::put;

  private static final TextMapGetter<Map<String, Object>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, Object> headers) {
          return headers.keySet();
        }

        @Override
        public String get(Map<String, Object> headers, String key) {
          // The broker hands strings back as LongString: Wire reads those.
          return Wire.string(headers, key);
        }
      };

  @Override
  public void inject(Map<String, Object> headers) {
    W3C.inject(Context.current(), headers, SETTER);
  }

  @Override
  public Scope extract(Map<String, Object> headers) {
    if (headers == null) {
      return () -> {};
    }
    io.opentelemetry.context.Scope scope =
        W3C.extract(Context.current(), headers, GETTER).makeCurrent();
    return scope::close;
  }
}
