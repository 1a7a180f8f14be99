package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventStreamRouteTest {
  private final FakeBackend backend = new FakeBackend();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final HttpMeters meters = new HttpMeters(null);
  private final HttpSettings settings = HttpSettings.loopback(Embedded.PORT);

  private EmbeddedChannel stream(int maxStreams) {
    EmbeddedChannel channel =
        Embedded.channel(
            new ReadGate(),
            new PipeliningGate(new AtomicBoolean(), meters),
            new Router(
                new JobRoute(backend, settings, meters),
                new StatusRoute(backend, settings),
                new EventStreamRoute(backend, openStreams, maxStreams, meters),
                null));
    channel.freezeTime();
    channel.writeInbound(Embedded.get("/events"));
    return channel;
  }

  private EmbeddedChannel channel;

  @AfterEach
  void close() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private static String text(Object content) {
    HttpContent c = (HttpContent) content;
    try {
      return c.content().toString(StandardCharsets.UTF_8);
    } finally {
      c.release();
    }
  }

  @Test
  void aDocumentEachTick_thenDraining_thenClosed() {
    channel = stream(4);
    assertInstanceOf(HttpResponse.class, channel.readOutbound());
    channel.runPendingTasks();
    assertEquals("data: {\"pool\":\"fake\"}\n\n", text(channel.readOutbound()));
    channel.advanceTimeBy(EventStreamRoute.TICK_MILLIS, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertEquals("data: {\"pool\":\"fake\"}\n\n", text(channel.readOutbound()));
    channel.pipeline().fireUserEventTriggered(EventStreamRoute.END_STREAMS);
    assertTrue(text(channel.readOutbound()).startsWith("event: draining"));
    assertInstanceOf(LastHttpContent.class, channel.readOutbound());
    assertFalse(channel.isOpen());
    assertEquals(0, openStreams.get());
  }

  @Test
  void notReading_skipsTicks_thenClosesAfterTenOfThem() {
    channel = stream(4);
    channel.readOutbound(); // the head
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.runPendingTasks();
    int calls = backend.statusCalls.get();
    for (int i = 1; i < EventStreamRoute.UNWRITABLE_TICKS_BEFORE_CLOSE; i++) {
      channel.advanceTimeBy(EventStreamRoute.TICK_MILLIS, TimeUnit.MILLISECONDS);
      channel.runPendingTasks();
      assertTrue(channel.isOpen(), "tick " + i);
    }
    assertEquals(calls, backend.statusCalls.get(), "no document is made for a stalled client");
    channel.advanceTimeBy(EventStreamRoute.TICK_MILLIS, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertFalse(channel.isOpen());
    assertEquals(1.0, meters.abandonedStreams.count());
    assertEquals(0, openStreams.get());
  }

  @Test
  void overTheStreamLimit_is503() {
    channel = stream(1);
    EmbeddedChannel second = stream(1);
    FullHttpResponse refused = second.readOutbound();
    assertEquals(503, refused.status().code());
    assertTrue(refused.content().toString(StandardCharsets.UTF_8).contains("TOO_MANY_STREAMS"));
    refused.release();
    second.finishAndReleaseAll();
    channel.close();
    assertEquals(0, openStreams.get());
    EmbeddedChannel third = stream(1);
    assertInstanceOf(HttpResponse.class, third.readOutbound());
    third.finishAndReleaseAll();
  }

  @Test
  void statusDocument_cutsLongCrashOutput() {
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      lines.add("x".repeat(100_000));
    }
    java.util.List<String> cut = Json.cut(lines);
    assertEquals(20, cut.size());
    assertTrue(cut.get(0).length() < Json.MAX_LINE_CHARS + 40, "" + cut.get(0).length());
  }
}
