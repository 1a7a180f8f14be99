package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostOriginGateTest {
  private final FakeBackend backend = new FakeBackend();

  private Embedded.Answer status(HttpSettings settings, String host, String origin) {
    EmbeddedChannel channel = Embedded.frontEnd(backend, settings);
    FullHttpRequest request = Embedded.get("/health");
    if (host == null) {
      request.headers().remove(HttpHeaderNames.HOST);
    } else {
      request.headers().set(HttpHeaderNames.HOST, host);
    }
    if (origin != null) {
      request.headers().set(HttpHeaderNames.ORIGIN, origin);
    }
    channel.writeInbound(request);
    Embedded.Answer answer = Embedded.answer(channel);
    if (answer.status() == 403) {
      assertFalse(channel.isOpen(), "a refused connection is closed");
    }
    channel.finishAndReleaseAll();
    return answer;
  }

  private Embedded.Answer status(String host, String origin) {
    return status(HttpSettings.loopback(Embedded.PORT), host, origin);
  }

  @Test
  void ownHosts_withThePortOrNone_areServed() {
    for (String host :
        List.of("127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080", "localhost")) {
      assertEquals(200, status(host, null).status(), host);
    }
    assertEquals(200, status(null, null).status(), "no Host: not a browser");
  }

  @Test
  void rebindingHost_isRefused() {
    Embedded.Answer answer = status("evil.example:8080", null);
    assertEquals(403, answer.status());
    assertTrue(answer.body().contains("HOST_NOT_ALLOWED"), answer.body());
    assertTrue(answer.body().contains("--allowed-host"), answer.body());
    assertEquals(403, status("localhost:9999", null).status(), "another port is not ours");
    assertEquals(403, status("127.0.0.1.evil.example", null).status());
  }

  @Test
  void allowedHost_byNameOrStar() {
    HttpSettings named =
        HttpSettings.loopback(Embedded.PORT).withBrowserAccess(List.of("pool.internal"), List.of());
    assertEquals(200, status(named, "pool.internal:443", null).status());
    assertEquals(403, status(named, "evil.example", null).status());
    HttpSettings any =
        HttpSettings.loopback(Embedded.PORT).withBrowserAccess(List.of("*"), List.of());
    assertEquals(200, status(any, "evil.example", null).status());
  }

  @Test
  void foreignOrigin_isRefused_sameOriginServed() {
    Embedded.Answer answer = status("127.0.0.1:8080", "http://evil.example");
    assertEquals(403, answer.status());
    assertTrue(answer.body().contains("ORIGIN_NOT_ALLOWED"), answer.body());
    assertEquals(403, status("127.0.0.1:8080", "null").status(), "a sandboxed page");
    assertEquals(403, status("127.0.0.1:8080", "http://127.0.0.1:9999").status());
    assertEquals(200, status("127.0.0.1:8080", "http://127.0.0.1:8080").status());
    assertEquals(200, status("localhost:8080", "http://localhost:8080/").status());
  }

  @Test
  void allowedOrigin_isServed() {
    HttpSettings settings =
        HttpSettings.loopback(Embedded.PORT)
            .withBrowserAccess(List.of(), List.of("https://app.example"));
    assertEquals(200, status(settings, "127.0.0.1:8080", "https://app.example").status());
    assertEquals(403, status(settings, "127.0.0.1:8080", "https://other.example").status());
  }
}
