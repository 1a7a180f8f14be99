package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobRouteTest {
  private final FakeBackend backend = new FakeBackend();
  private final HttpSettings settings = HttpSettings.loopback(Embedded.PORT);
  private final EmbeddedChannel channel = Embedded.frontEnd(backend, settings);

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  @Test
  void result_is200_withTheHandlersBytes() {
    channel.writeInbound(Embedded.post("/jobs/echo", "hi"));
    assertEquals("echo", backend.submitted.get(0).type());
    assertTrue(channel.outboundMessages().isEmpty(), "no answer before the job is done");
    backend.futures.get(0).complete("hi".getBytes(StandardCharsets.UTF_8));
    Embedded.Answer answer = Embedded.answer(channel);
    assertEquals(200, answer.status());
    assertEquals("hi", answer.body());
    assertEquals("application/octet-stream", answer.header(HttpHeaderNames.CONTENT_TYPE));
  }

  @Test
  void badJobType_is400_andNothingIsSubmitted() {
    for (String type : new String[] {"..", "a%2Fb", "a..b", "x".repeat(129)}) {
      channel.writeInbound(Embedded.post("/jobs/" + type, ""));
      Embedded.Answer answer = Embedded.answer(channel);
      assertEquals(400, answer.status(), type);
      assertTrue(answer.body().contains("INVALID_REQUEST"), answer.body());
    }
    assertTrue(backend.submitted.isEmpty());
  }

  @Test
  void timeoutHeader_isCappedByTheServersJobTimeout_andABadOneIs400() {
    FullHttpRequest request = Embedded.post("/jobs/echo", "");
    request.headers().set(JobRoute.TIMEOUT_HEADER, "99999999");
    channel.writeInbound(request);
    assertEquals(settings.maxJobTimeout(), backend.submitted.get(0).timeout().orElseThrow());
    backend.futures.get(0).complete(new byte[0]);
    Embedded.answer(channel);
    FullHttpRequest bad = Embedded.post("/jobs/echo", "");
    bad.headers().set(JobRoute.TIMEOUT_HEADER, "soon");
    channel.writeInbound(bad);
    Embedded.Answer answer = Embedded.answer(channel);
    assertEquals(400, answer.status());
    assertTrue(answer.body().contains("X-Job-Timeout-Ms"), answer.body());
    assertEquals(1, backend.submitted.size());
    assertEquals(Duration.ofSeconds(30), settings.maxJobTimeout());
  }

  @Test
  void queueFull_is503_withRetryAfter() {
    channel.writeInbound(Embedded.post("/jobs/echo", ""));
    backend
        .futures
        .get(0)
        .completeExceptionally(new PoolException(FailureCode.QUEUE_FULL, 1, "full"));
    Embedded.Answer answer = Embedded.answer(channel);
    assertEquals(503, answer.status());
    assertEquals("1", answer.header(HttpHeaderNames.RETRY_AFTER));
    assertTrue(answer.body().contains("QUEUE_FULL"), answer.body());
  }

  @Test
  void deadlineRefusedAtSubmit_is503_butPassedWhileWaiting_is504() {
    backend.next =
        CompletableFuture.failedFuture(new PoolException(FailureCode.DEADLINE_EXCEEDED, 1, "late"));
    channel.writeInbound(Embedded.post("/jobs/echo", ""));
    Embedded.Answer refused = Embedded.answer(channel);
    assertEquals(503, refused.status());
    assertEquals("1", refused.header(HttpHeaderNames.RETRY_AFTER));
    channel.writeInbound(Embedded.post("/jobs/echo", ""));
    backend
        .futures
        .get(1)
        .completeExceptionally(new PoolException(FailureCode.DEADLINE_EXCEEDED, 1, "late"));
    assertEquals(504, Embedded.answer(channel).status());
  }

  @Test
  void unexpectedFailure_is500_withoutItsText() {
    channel.writeInbound(Embedded.post("/jobs/echo", ""));
    backend.futures.get(0).completeExceptionally(new IllegalStateException("db password x"));
    Embedded.Answer answer = Embedded.answer(channel);
    assertEquals(500, answer.status());
    assertFalse(answer.body().contains("password"), answer.body());
  }

  @Test
  void clientGone_cancelsItsQueuedJob() {
    channel.writeInbound(Embedded.post("/jobs/echo", ""));
    channel.close();
    assertTrue(backend.futures.get(0).isCancelled());
  }
}
