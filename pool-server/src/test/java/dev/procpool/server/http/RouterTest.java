package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final FakeBackend backend = new FakeBackend();
  private final EmbeddedChannel channel =
      Embedded.frontEnd(backend, HttpSettings.loopback(Embedded.PORT));

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  private Embedded.Answer send(FullHttpRequest request) {
    channel.writeInbound(request);
    return Embedded.answer(channel);
  }

  @Test
  void unknownPath_is404_withItsCode() {
    Embedded.Answer answer = send(Embedded.get("/nope"));
    assertEquals(404, answer.status());
    assertEquals("{\"code\":\"NOT_FOUND\",\"message\":\"no route for /nope\"}", answer.body());
    assertTrue(channel.isOpen());
  }

  @Test
  void wrongMethod_is405_withAllow() {
    Embedded.Answer jobs = send(Embedded.get("/jobs/echo"));
    assertEquals(405, jobs.status());
    assertEquals("POST", jobs.header(HttpHeaderNames.ALLOW));
    Embedded.Answer status = send(Embedded.post("/status", ""));
    assertEquals(405, status.status());
    assertEquals("GET, HEAD", status.header(HttpHeaderNames.ALLOW));
  }

  @Test
  void adminWithoutToken_isNotARoute() {
    assertEquals(404, send(Embedded.post("/admin/restart", "")).status());
  }

  @Test
  void otherHttpVersion_is505_andCloses() {
    FullHttpRequest request = Embedded.get("/health");
    request.setProtocolVersion(HttpVersion.valueOf("HTTP/2.0"));
    Embedded.Answer answer = send(request);
    assertEquals(505, answer.status());
    assertFalse(channel.isOpen());
  }

  @Test
  void requestLineTooLong_is414_andCloses() {
    FullHttpRequest request = Embedded.get("/health");
    request.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException("long")));
    Embedded.Answer answer = send(request);
    assertEquals(414, answer.status());
    assertTrue(answer.body().contains("URI_TOO_LONG"), answer.body());
    assertFalse(channel.isOpen());
  }

  @Test
  void routeThrows_is500_withAnId_neverTheExceptionText() {
    backend.status =
        () -> {
          throw new IllegalStateException("secret in /home/someone/.token");
        };
    Embedded.Answer answer = send(Embedded.get("/status"));
    assertEquals(500, answer.status());
    assertTrue(answer.body().contains("\"code\":\"INTERNAL\""), answer.body());
    assertTrue(answer.body().matches(".*server's log has it as [0-9a-f]{8}.*"), answer.body());
    assertFalse(answer.body().contains("secret"), answer.body());
    assertFalse(answer.body().contains("IllegalStateException"), answer.body());
  }

  @Test
  void health_isServingOr503WithTheReason() {
    assertEquals(200, send(Embedded.get("/health")).status());
    backend.problem = "children cannot start";
    Embedded.Answer answer = send(Embedded.get("/health"));
    assertEquals(503, answer.status());
    assertTrue(answer.body().contains("children cannot start"), answer.body());
  }

  @Test
  void status_isTheBackendsDocument() {
    Embedded.Answer answer = send(Embedded.request(HttpMethod.HEAD, "/status", ""));
    assertEquals(200, answer.status());
    assertEquals("{\"pool\":\"fake\"}", answer.body());
  }

  @Test
  void metrics_withoutARegistry_is404() {
    assertEquals(404, send(Embedded.get("/metrics")).status());
  }

  @Test
  void dashboardPage_isHtml() {
    Embedded.Answer answer = send(Embedded.get("/"));
    assertEquals(200, answer.status());
    assertTrue(answer.header(HttpHeaderNames.CONTENT_TYPE).startsWith("text/html"));
  }
}
