package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.server.testing.RawHttp;
import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route and status of the HTTP front end, against a real server and real children. */
class HttpFrontEndIT {
  private static final int MAX_BODY = 4096;
  private static ProcessPool pool;
  private static HttpFrontEnd http;
  private static HttpClient client;

  @BeforeAll
  static void start() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    pool = ProcessPool.builder().children(2).meterRegistry(prometheus).start();
    http =
        HttpFrontEnd.start(
            pool,
            new HttpSettings(
                "127.0.0.1",
                0,
                MAX_BODY,
                Duration.ofSeconds(20),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                prometheus,
                null,
                false));
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    http.close();
    pool.close();
    assertEquals(List.of(), Descendants.alive());
  }

  private static HttpResponse<String> post(String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void postJob_returnsResultBytes() throws Exception {
    HttpResponse<String> response = post("/jobs/echo", "hello over http");
    assertEquals(200, response.statusCode());
    assertEquals("hello over http", response.body());
  }

  @Test
  void unknownType_404WithCodeAndMessage() throws Exception {
    HttpResponse<String> response = post("/jobs/no.such.type", "");
    assertEquals(404, response.statusCode());
    assertTrue(
        response.body().startsWith("{\"code\":\"UNKNOWN_JOB_TYPE\",\"message\":"), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
  }

  @Test
  void handlerThrows_500JobFailed() throws Exception {
    HttpResponse<String> response = post("/jobs/throw", "broken");
    assertEquals(500, response.statusCode());
    assertTrue(
        response.body().contains("\"code\":\"JOB_FAILED\"") && response.body().contains("broken"),
        response.body());
  }

  @Test
  void timeoutHeader_504JobTimeout() throws Exception {
    HttpResponse<String> response = post("/jobs/hang", "", JobRoute.TIMEOUT_HEADER, "300");
    assertEquals(504, response.statusCode());
    assertTrue(response.body().contains("JOB_TIMEOUT"), response.body());
  }

  @Test
  void badTimeoutHeader_400() throws Exception {
    HttpResponse<String> response = post("/jobs/echo", "x", JobRoute.TIMEOUT_HEADER, "soon");
    assertEquals(400, response.statusCode());
    assertTrue(response.body().contains("INVALID_REQUEST"), response.body());
  }

  @Test
  void childDiesMidJob_502ChildCrashed() throws Exception {
    HttpResponse<String> response = post("/jobs/exit", "9");
    assertEquals(502, response.statusCode());
    assertTrue(response.body().contains("CHILD_CRASHED"), response.body());
  }

  @Test
  void getOnJobs_405WithAllow() throws Exception {
    HttpResponse<String> response = get("/jobs/echo");
    assertEquals(405, response.statusCode());
    assertEquals("POST", response.headers().firstValue("allow").orElseThrow());
  }

  @Test
  void unknownRoute_404() throws Exception {
    assertEquals(404, get("/nothing-here").statusCode());
  }

  @Test
  void bodyOverLimit_413BeforeBuffering() throws Exception {
    HttpResponse<String> response = post("/jobs/echo", "x".repeat(MAX_BODY + 1));
    assertEquals(413, response.statusCode());
    assertTrue(response.body().contains("BODY_TOO_LARGE"), response.body());
  }

  @Test
  void pathTricksInJobType_400() throws Exception {
    for (String path :
        List.of(
            "/jobs/../status", "/jobs/a%2Fb", "/jobs/" + "x".repeat(200), "/jobs/", "/jobs/a/b")) {
      try (RawHttp raw = new RawHttp(http.port())) {
        raw.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
        RawHttp.Response response = raw.read();
        assertEquals(400, response.status(), path + " -> " + response.body());
      }
    }
  }

  @Test
  void malformedRequestLine_400AndClose() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      raw.send("THIS IS NOT HTTP\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(400, response.status());
      assertTrue(raw.closedByServer());
    }
  }

  @Test
  void keepAlive_pipelinedRequestsAnsweredInOrderOnOneConnection() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      StringBuilder requests = new StringBuilder();
      // The first job is the slowest: its answer must still come first.
      String[] bodies = {"150", "1", "20"};
      for (String body : bodies) {
        requests
            .append("POST /jobs/sleep HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ")
            .append(body.length())
            .append("\r\n\r\n")
            .append(body);
      }
      raw.send(requests.toString());
      for (String body : bodies) {
        RawHttp.Response response = raw.read();
        assertEquals(200, response.status());
        assertEquals(body, response.body());
      }
      raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(200, raw.read().status(), "the same connection is still usable");
    }
  }

  @Test
  void concurrentRequests_eachGetsItsOwnAnswer() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      responses.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/jobs/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("req-" + i))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < responses.size(); i++) {
      HttpResponse<String> response = responses.get(i).get(60, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals("req-" + i, response.body());
    }
  }

  @Test
  void health_status_metrics() throws Exception {
    HttpResponse<String> health = get("/health");
    assertEquals(200, health.statusCode());
    assertEquals("{\"status\":\"serving\"}", health.body());

    post("/jobs/echo", "count me");
    HttpResponse<String> status = get("/status");
    assertEquals(200, status.statusCode());
    assertTrue(status.body().contains("\"healthy\":true"), status.body());
    assertEquals(2, status.body().split("\"state\":").length - 1, status.body()); // one per child

    HttpResponse<String> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    for (String meter :
        List.of(
            "procpool_jobs_queued{",
            "procpool_children_busy{",
            "procpool_jobs_wait_seconds{",
            "procpool_jobs_run_seconds{",
            "procpool_jobs_completed_total{")) {
      assertTrue(metrics.body().contains(meter), meter + " missing from\n" + metrics.body());
    }
    assertTrue(
        !metrics.body().contains("procpool_jobs_queued{pool=\"" + pool.config().name() + "\"} NaN"),
        "gauge readable");
  }

  @Test
  void queueFull_503WithRetryAfter() throws Exception {
    try (ProcessPool small = ProcessPool.builder().children(1).queueCapacity(0).start();
        HttpFrontEnd front =
            HttpFrontEnd.start(
                small,
                new HttpSettings(
                    "127.0.0.1",
                    0,
                    MAX_BODY,
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(10),
                    null,
                    null,
                    false));
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = small.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + "/jobs/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, response.statusCode());
      assertEquals("1", response.headers().firstValue("retry-after").orElseThrow());
      assertTrue(response.body().contains("QUEUE_FULL"));
      rendezvous.releaseAll(0);
      assertEquals("0", new String(blocker.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
  }
}
