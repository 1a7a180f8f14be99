package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.impl.LongStringHelper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtelTraceContextTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @Test
  void onTheClassPath_openTelemetryChosen_absent_none() {
    assertInstanceOf(OtelTraceContext.class, Tracing.CURRENT);
    assertSame(TraceContext.NONE, Tracing.load("no.such.opentelemetry.Context"));
  }

  @Test
  void inject_writesTheCurrentSpansTraceparent() {
    Map<String, Object> headers = new HashMap<>();
    SpanContext parent =
        SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
    try (Scope ignored = Span.wrap(parent).makeCurrent()) {
      Tracing.CURRENT.inject(headers);
    }
    assertEquals("00-" + TRACE + "-" + SPAN + "-01", headers.get("traceparent"));
  }

  @Test
  void inject_withoutATrace_writesNothing() {
    Map<String, Object> headers = new HashMap<>();
    Tracing.CURRENT.inject(headers);
    assertTrue(headers.isEmpty(), headers.toString());
  }

  @Test
  void extract_makesTheHeadersTraceCurrent_asTheBrokerDeliversIt() {
    // The broker hands header strings back as LongString.
    Map<String, Object> headers =
        Map.of("traceparent", LongStringHelper.asLongString("00-" + TRACE + "-" + SPAN + "-01"));
    try (TraceContext.Scope ignored = Tracing.CURRENT.extract(headers)) {
      SpanContext current = Span.current().getSpanContext();
      assertEquals(TRACE, current.getTraceId());
      assertEquals(SPAN, current.getSpanId());
      assertTrue(current.isRemote());
    }
    assertFalse(Span.current().getSpanContext().isValid(), "restored when the scope closed");
  }

  @Test
  void extract_noHeaders_nothingCurrent() {
    try (TraceContext.Scope ignored = Tracing.CURRENT.extract(null)) {
      assertFalse(Span.current().getSpanContext().isValid());
    }
  }
}
