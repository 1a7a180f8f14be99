package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.OtlpReceiver;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces across the process boundary, with real children: the master's spans go to an in-memory
 * exporter in this JVM, the children's (a handler's own span) over OTLP/HTTP to a receiver here.
 */
class TracingIT {
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private OpenTelemetrySdk sdk;

  @BeforeEach
  void sdk() {
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build();
  }

  @AfterEach
  void noChildOutlivesItsPool() {
    sdk.close();
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void tracedJob_handlerSpanInTheChild_joinsTheSubmittersTrace() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      PoolConfigBuilder builder = ProcessPool.builder().children(1).tracing(sdk);
      receiver.environment("procpool-child").forEach(builder::childEnvironment);
      String answer;
      Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
      try (ProcessPool pool = builder.start()) {
        try (Scope scope = request.makeCurrent()) {
          answer = text(pool.submit(Job.of("traced", utf8("hello"))));
        } finally {
          request.end();
        }
      } // closing the pool ends the child, whose SDK flushes on exit

      SpanData job = only("procpool.job");
      String traceId = request.getSpanContext().getTraceId();
      assertEquals(traceId, job.getTraceId());
      assertEquals(request.getSpanContext().getSpanId(), job.getParentSpanId());
      String[] parts = answer.split("\\|", -1);
      assertEquals(
          "00-"
              + traceId
              + "-"
              + job.getSpanId()
              + "-"
              + job.getSpanContext().getTraceFlags().asHex(),
          parts[0],
          answer);
      assertEquals(job.getSpanId(), parts[2], "the job's context is current in the handler");
      assertEquals("traced", job.getAttributes().get(AttributeKey.stringKey("procpool.job.type")));
      assertEquals("ok", job.getAttributes().get(AttributeKey.stringKey("procpool.job.outcome")));
      assertEquals(1L, job.getAttributes().get(AttributeKey.longKey("procpool.job.attempt")));
      SpanData wait = only("procpool.job.wait");
      SpanData run = only("procpool.job.run");
      assertEquals(job.getSpanId(), wait.getParentSpanId());
      assertEquals(job.getSpanId(), run.getParentSpanId());
      assertTrue(wait.getEndEpochNanos() <= run.getStartEpochNanos(), "the wait precedes the run");
      assertTrue(run.getEndEpochNanos() <= job.getEndEpochNanos(), "the run ends with the job");
      assertTrue(run.getAttributes().get(AttributeKey.longKey("procpool.child.pid")) > 0);

      OtlpReceiver.ReceivedSpan work =
          receiver.await(
              s -> s.name().equals("fixture.work"), Duration.ofSeconds(30), "fixture.work");
      assertEquals(traceId, work.traceId());
      assertEquals(job.getSpanId(), work.parentSpanId());
      assertEquals("procpool-child", work.service());
      assertEquals("hello", work.attributes().get("fixture.payload"));
    }
  }

  @Test
  void failedJob_spanEndsWithTheFailureCode() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).tracing(sdk).start()) {
      failure(pool.submit(Job.of("throw", utf8("boom"))), FailureCode.JOB_FAILED);
    }
    SpanData job = only("procpool.job");
    assertEquals(StatusCode.ERROR, job.getStatus().getStatusCode());
    assertEquals(
        "JOB_FAILED", job.getAttributes().get(AttributeKey.stringKey("procpool.job.outcome")));
    assertEquals("JOB_FAILED", job.getAttributes().get(AttributeKey.stringKey("error.type")));
  }

  @Test
  void retriedJob_eachAttemptIsARun(@TempDir Path dir) throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).retryableJobTypes("crash-once").tracing(sdk).start()) {
      String marker = dir.resolve("ran-once").toString();
      assertEquals("survived", text(pool.submit(Job.of("crash-once", utf8(marker)))));
    }
    List<SpanData> runs = named("procpool.job.run");
    assertEquals(2, runs.size(), runs.toString());
    assertEquals(StatusCode.ERROR, runs.get(0).getStatus().getStatusCode());
    assertEquals(2L, runs.get(1).getAttributes().get(AttributeKey.longKey("procpool.job.attempt")));
    assertEquals(2, named("procpool.job.wait").size(), "a wait before each attempt");
    assertEquals(
        "ok",
        only("procpool.job").getAttributes().get(AttributeKey.stringKey("procpool.job.outcome")));
  }

  @Test
  void timedOutJob_spanSaysJobTimeout() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).tracing(sdk).start()) {
      failure(
          pool.submit(Job.of("hang", new byte[0]).withTimeout(Duration.ofMillis(300))),
          FailureCode.JOB_TIMEOUT);
    }
    SpanData job = only("procpool.job");
    assertEquals(
        "JOB_TIMEOUT", job.getAttributes().get(AttributeKey.stringKey("procpool.job.outcome")));
    assertEquals(1, named("procpool.job.run").size());
  }

  @Test
  void untracedPool_sendsNoContext_andTellsNoChildToConfigureAnSdk() throws Exception {
    PoolConfig config = ProcessPool.builder().children(1).build();
    assertFalse(config.childEnvironment().containsKey("PROCPOOL_OTEL"));
    try (ProcessPool pool = ProcessPool.start(config)) {
      assertEquals("||0000000000000000", text(pool.submit(Job.of("traced", utf8("x")))));
    }
    assertTrue(exported.getFinishedSpanItems().isEmpty());
  }

  @Test
  void tracing_neitherOpenTelemetryNorRegistry_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ProcessPool.builder().tracing("a string"));
    assertEquals(
        "tracing must be an io.opentelemetry.api.OpenTelemetry or an"
            + " io.micrometer.observation.ObservationRegistry: java.lang.String",
        e.getMessage());
  }

  @Test
  void observationRegistry_observesEachJob_andItsPropagatorReachesTheChild() throws Exception {
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    ObservationRegistry registry = ObservationRegistry.create();
    registry
        .observationConfig()
        .observationHandler(
            new ObservationHandler<SenderContext<Object>>() {
              @Override
              public void onStart(SenderContext<Object> context) {
                // What a tracing bridge's propagating handler does: inject into the carrier.
                @SuppressWarnings("unchecked")
                Map<String, String> carrier = (Map<String, String>) context.getCarrier();
                carrier.put("traceparent", traceparent);
                seen.add("start " + context.getName());
              }

              @Override
              public void onEvent(Observation.Event event, SenderContext<Object> context) {
                seen.add("event " + event.getName());
              }

              @Override
              public void onStop(SenderContext<Object> context) {
                seen.add(
                    "stop " + context.getLowCardinalityKeyValue("procpool.job.outcome").getValue());
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return context instanceof SenderContext;
              }
            });
    try (ProcessPool pool = ProcessPool.builder().children(1).tracing(registry).start()) {
      String answer = text(pool.submit(Job.of("traced", utf8("x"))));
      assertEquals(traceparent, answer.split("\\|", -1)[0]);
    }
    assertEquals(
        List.of("start procpool.job", "event procpool.job.started", "stop ok"), List.copyOf(seen));
  }

  private SpanData only(String name) {
    List<SpanData> spans = named(name);
    assertEquals(1, spans.size(), name + ": " + exported.getFinishedSpanItems());
    return spans.get(0);
  }

  private List<SpanData> named(String name) {
    return exported.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
        .toList();
  }
}
