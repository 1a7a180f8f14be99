package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.ProcessPool;
import dev.procpool.server.testing.RawHttp;
import dev.procpool.testing.Descendants;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile HTTP clients get a clear 4xx or a closed connection, quickly; others are served
 * throughout.
 */
class HttpHostileIT {
  private static final long REQUEST_TIMEOUT_MILLIS = 500;
  private static ProcessPool pool;
  private static HttpFrontEnd http;

  @BeforeAll
  static void start() {
    pool = ProcessPool.builder().children(1).start();
    http =
        HttpFrontEnd.start(
            pool,
            new HttpSettings(
                "127.0.0.1",
                0,
                4096,
                Duration.ofSeconds(10),
                Duration.ofSeconds(5),
                Duration.ofMillis(REQUEST_TIMEOUT_MILLIS),
                null,
                null,
                false));
  }

  @AfterAll
  static void stop() {
    http.close();
    pool.close();
    assertEquals(List.of(), Descendants.alive());
  }

  private static void stillServes() throws IOException {
    try (RawHttp raw = new RawHttp(http.port())) {
      raw.send("POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\nok");
      RawHttp.Response response = raw.read();
      assertEquals(200, response.status());
      assertEquals("ok", response.body());
    }
  }

  @Test
  void slowloris_getsRequestTimeoutAndIsClosed_othersServedMeanwhile() throws Exception {
    try (RawHttp slow = new RawHttp(http.port())) {
      long started = System.nanoTime();
      slow.send("POST /jobs/echo HTTP/1.1\r\n");
      // Drip header bytes more often than any idle timeout, but never finish the request.
      CompletableFuture<Void> drip =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int i = 0; i < 40; i++) {
                    slow.send("X");
                    Thread.sleep(50); // the attacker's pace, bounded: 2 s at most
                  }
                } catch (Exception e) {
                  // the server closed the connection: expected
                }
              });
      stillServes();
      RawHttp.Response response = slow.read();
      assertEquals(408, response.status());
      assertTrue(slow.closedByServer());
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMillis < REQUEST_TIMEOUT_MILLIS + 1500, "closed after " + tookMillis + " ms");
      drip.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void chunkedBodyThatNeverEnds_timedOut() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      raw.send(
          "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(408, response.status());
      assertTrue(raw.closedByServer());
    }
    stillServes();
  }

  @Test
  void chunkedBodyOverTheLimit_413() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      String chunk = "x".repeat(3000);
      raw.send(
          "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
              + Integer.toHexString(chunk.length())
              + "\r\n"
              + chunk
              + "\r\n"
              + Integer.toHexString(chunk.length())
              + "\r\n"
              + chunk
              + "\r\n0\r\n\r\n");
      assertEquals(413, raw.read().status());
    }
    stillServes();
  }

  @Test
  void headerFlood_431AndClose() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      StringBuilder request = new StringBuilder("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (int i = 0; i < 2000; i++) {
        request.append("X-Flood-").append(i).append(": ").append("y".repeat(20)).append("\r\n");
      }
      try {
        raw.send(request.append("\r\n").toString());
        RawHttp.Response response = raw.read();
        assertEquals(431, response.status());
      } catch (IOException e) {
        // closed while we were still sending: also a clear refusal
      }
    }
    stillServes();
  }

  @Test
  void veryLongUri_414() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      raw.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(414, raw.read().status());
    } catch (IOException e) {
      // closed while sending: acceptable
    }
    stillServes();
  }

  @Test
  void unknownMethod_405() throws Exception {
    try (RawHttp raw = new RawHttp(http.port())) {
      raw.send("BREW /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(405, raw.read().status());
    }
  }
}
