package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.ProcessPool;
import dev.procpool.testing.Descendants;
import dev.procpool.testing.ReadyChildren;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Admin routes need the token; with it they restart and resize the pool. */
class AdminIT {
  private static final String TOKEN = "0123456789abcdef-admin";

  private static HttpResponse<String> post(
      HttpClient client, int port, String path, String body, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminRoutes_tokenRequired_restartAndResizeWork() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).start();
        HttpFrontEnd http =
            HttpFrontEnd.start(pool, HttpSettings.loopback(0).withAdminToken(TOKEN))) {
      HttpClient client = HttpClient.newHttpClient();
      Set<Long> before = ReadyChildren.pids(pool);

      HttpResponse<String> none = post(client, http.port(), "/admin/restart", "", null);
      assertEquals(401, none.statusCode());
      assertEquals("Bearer", none.headers().firstValue("www-authenticate").orElseThrow());
      assertEquals(
          401,
          post(client, http.port(), "/admin/restart", "", "wrong-token-wrong-token").statusCode());
      assertEquals(
          401, post(client, http.port(), "/admin/children", "1", TOKEN + "x").statusCode());
      assertEquals(before, ReadyChildren.pids(pool), "nothing happened without the right token");

      HttpResponse<String> restarted = post(client, http.port(), "/admin/restart", "", TOKEN);
      assertEquals(200, restarted.statusCode(), restarted.body());
      Set<Long> after = ReadyChildren.pids(pool);
      assertEquals(2, after.size());
      after.retainAll(before);
      assertEquals(Set.of(), after, "every child replaced");

      HttpResponse<String> resized = post(client, http.port(), "/admin/children", "1", TOKEN);
      assertEquals(200, resized.statusCode(), resized.body());
      assertEquals(1, ReadyChildren.pids(pool).size());
      assertEquals(400, post(client, http.port(), "/admin/children", "many", TOKEN).statusCode());
      assertEquals(400, post(client, http.port(), "/admin/children", "0", TOKEN).statusCode());
      assertEquals(
          405,
          client
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + http.port() + "/admin/restart"))
                      .header("Authorization", "Bearer " + TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      assertTrue(
          client
                  .send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + http.port() + "/status"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode()
              == 200,
          "read-only views need no token");
    }
    assertEquals(List.of(), Descendants.alive());
  }
}
