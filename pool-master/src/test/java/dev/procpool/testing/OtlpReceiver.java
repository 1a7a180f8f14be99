package dev.procpool.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A tiny OTLP/HTTP trace receiver for tests: {@code POST /v1/traces} with an {@code
 * ExportTraceServiceRequest} in protobuf, as every SDK's OTLP/HTTP exporter sends it. Keeps the
 * spans it received (at most {@link #MAX_SPANS}) for a test to wait on. Loopback only.
 */
public final class OtlpReceiver implements AutoCloseable {
  public static final int MAX_SPANS = 100_000;

  /** One received span, ids in lower-case hex as W3C writes them; "" for no parent. */
  public record ReceivedSpan(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      Map<String, String> attributes,
      List<String> events,
      int statusCode) {}

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new ArrayList<>();

  public OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "otlp-receiver")));
    server.createContext("/v1/traces", this::traces);
    server.start();
  }

  /** What {@code OTEL_EXPORTER_OTLP_ENDPOINT} should say. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The {@code OTEL_*} variables that send a process's spans here at once, unsampled spans off. */
  public Map<String, String> environment(String serviceName) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint());
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    env.put("OTEL_SERVICE_NAME", serviceName);
    env.put("OTEL_TRACES_EXPORTER", "otlp");
    env.put("OTEL_METRICS_EXPORTER", "none");
    env.put("OTEL_LOGS_EXPORTER", "none");
    env.put("OTEL_BSP_SCHEDULE_DELAY", "100");
    return env;
  }

  private void traces(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
      List<ReceivedSpan> received = new ArrayList<>();
      for (ResourceSpans resource : request.getResourceSpansList()) {
        String service = attributes(resource.getResource().getAttributesList()).get("service.name");
        for (ScopeSpans scope : resource.getScopeSpansList()) {
          for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
            List<String> events = new ArrayList<>();
            span.getEventsList().forEach(e -> events.add(e.getName()));
            received.add(
                new ReceivedSpan(
                    service,
                    hex(span.getTraceId()),
                    hex(span.getSpanId()),
                    hex(span.getParentSpanId()),
                    span.getName(),
                    span.getKindValue(),
                    attributes(span.getAttributesList()),
                    events,
                    span.getStatus().getCodeValue()));
          }
        }
      }
      synchronized (spans) {
        for (ReceivedSpan span : received) {
          if (spans.size() < MAX_SPANS) {
            spans.add(span);
          }
        }
        spans.notifyAll();
      }
      byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
    }
  }

  /** Waits up to {@code limit} for a span matching {@code test}; fails with what arrived. */
  public ReceivedSpan await(Predicate<ReceivedSpan> test, Duration limit, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (spans) {
      while (true) {
        for (ReceivedSpan span : spans) {
          if (test.test(span)) {
            return span;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no span " + what + " within " + limit + "; received " + spans);
        }
        spans.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** Every span received so far. */
  public List<ReceivedSpan> spans() {
    synchronized (spans) {
      return List.copyOf(spans);
    }
  }

  private static Map<String, String> attributes(List<KeyValue> values) {
    Map<String, String> map = new LinkedHashMap<>();
    for (KeyValue kv : values) {
      AnyValue v = kv.getValue();
      map.put(
          kv.getKey(),
          switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
          });
    }
    return map;
  }

  private static String hex(com.google.protobuf.ByteString id) {
    return id.isEmpty() ? "" : HexFormat.of().formatHex(id.toByteArray());
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
