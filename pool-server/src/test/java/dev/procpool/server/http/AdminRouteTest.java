package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminRouteTest {
  private static final String TOKEN = "0123456789abcdef0123";
  private final EmbeddedChannel channel =
      Embedded.frontEnd(
          new FakeBackend(), HttpSettings.loopback(Embedded.PORT).withAdminToken(TOKEN));

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  private Embedded.Answer send(FullHttpRequest request, String token) {
    if (token != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }
    channel.writeInbound(request);
    return Embedded.answer(channel);
  }

  @Test
  void withoutTheToken_is401() {
    Embedded.Answer none = send(Embedded.post("/admin/restart", ""), null);
    assertEquals(401, none.status());
    assertEquals("Bearer", none.header(HttpHeaderNames.WWW_AUTHENTICATE));
    assertEquals(401, send(Embedded.post("/admin/restart", ""), "wrong").status());
  }

  @Test
  void get_is405() {
    assertEquals(405, send(Embedded.get("/admin/restart"), TOKEN).status());
  }

  @Test
  void resize_outsideOneTo256_is400() {
    for (String body : new String[] {"2147483647", "257", "0", "-1", "many"}) {
      Embedded.Answer answer = send(Embedded.post("/admin/children", body), TOKEN);
      assertEquals(400, answer.status(), body);
      assertTrue(answer.body().contains("1 to " + AdminRoute.MAX_CHILDREN), answer.body());
    }
  }

  @Test
  void withoutALocalPool_is404() {
    Embedded.Answer answer = send(Embedded.post("/admin/children", "2"), TOKEN);
    assertEquals(404, answer.status());
    assertTrue(answer.body().contains("no local pool"), answer.body());
    assertEquals(404, send(Embedded.post("/admin/nope", ""), TOKEN).status());
  }
}
