package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.Job;
import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import dev.procpool.server.testing.RawHttp;
import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clients that pipeline without reading, go away, split their requests, or are too many. */
class CarelessClientsIT {
  private static final long REQUEST_TIMEOUT_MILLIS = 1_000;
  private ProcessPool pool;
  private HttpFrontEnd http;

  @BeforeEach
  void start() {
    pool = ProcessPool.builder().children(1).start();
    http =
        HttpFrontEnd.start(
            pool,
            new HttpSettings(
                    "127.0.0.1",
                    0,
                    64 * 1024,
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(REQUEST_TIMEOUT_MILLIS),
                    null,
                    null,
                    false)
                .withClientLimits(200, false));
  }

  @AfterEach
  void stop() {
    http.close();
    pool.close();
    assertEquals(List.of(), Descendants.alive());
  }

  private static String post(String type, String body) {
    return "POST /jobs/"
        + type
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + body.length()
        + "\r\n\r\n"
        + body;
  }

  @Test
  void pipelinedFlood_heldRequestsBounded_allAnsweredInOrderOnceRead() throws Exception {
    int connections = 100;
    int perConnection = 200;
    try (Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart(); // the only child is busy: every request waits
      List<RawHttp> clients = new ArrayList<>();
      try {
        String body = "x".repeat(4096);
        for (int c = 0; c < connections; c++) {
          RawHttp client = new RawHttp(http.port());
          clients.add(client);
          StringBuilder flood = new StringBuilder();
          for (int i = 0; i < perConnection; i++) {
            flood.append(post("echo", c + ":" + i + ":" + body));
          }
          // 200 requests of ~600 bytes: far more than the server may hold; the kernel buffers the
          // rest.
          CompletableFuture.runAsync(() -> sendQuietly(client, flood.toString()));
        }
        awaitTrue(
            () -> http.heldRequests() >= connections * (PipeliningGate.MAX_PIPELINED - 1), 30);
        Thread.sleep(500); // nothing more may be read: the bound holds while the flood waits
        int held = http.heldRequests();
        // 16 each, plus what the read in progress (64 KiB at most) had already decoded when reads
        // paused: a constant, whatever the flood.
        int perRead = 64 * 1024 / post("echo", "0:0:" + body).length() + 1;
        assertTrue(
            held <= connections * (PipeliningGate.MAX_PIPELINED + perRead),
            held + " requests held for " + connections + " connections");
        assertTrue(held < connections * perConnection / 3, "the flood was read in: " + held);
        PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
        assertTrue(
            status.queued() <= connections, "one job per connection at most: " + status.queued());
        rendezvous.releaseAll(1);
        assertEquals("1", new String(blocker.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        for (int c = 0; c < connections; c++) {
          for (int i = 0; i < perConnection; i++) {
            RawHttp.Response response = clients.get(c).read();
            assertEquals(200, response.status());
            assertTrue(
                response.body().startsWith(c + ":" + i + ":"),
                "in order: " + response.body().substring(0, 12));
          }
        }
      } finally {
        for (RawHttp client : clients) {
          client.close();
        }
      }
    }
  }

  @Test
  void clientGoneWhileQueued_jobLeavesTheQueue_neverRuns() throws Exception {
    try (Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      try (RawHttp careless = new RawHttp(http.port())) {
        careless.send(post("sequence", "A"));
        awaitTrue(() -> queued() == 1, 10);
      } // the client goes away
      awaitTrue(() -> http.abandonedRequests() == 1 && queued() == 0, 10);
      rendezvous.releaseAll(1);
      blocker.get(30, TimeUnit.SECONDS);
      try (RawHttp next = new RawHttp(http.port())) {
        next.send(post("sequence", "B"));
        assertEquals("1:B", next.read().body(), "A never ran: B is the child's first sequence job");
      }
    }
  }

  @Test
  void clientGoneWhileRunning_jobRunsOn_childKept() throws Exception {
    String pid =
        new String(
            pool.submit(Job.of("pid", new byte[0])).get(30, TimeUnit.SECONDS),
            StandardCharsets.UTF_8);
    try (RawHttp careless = new RawHttp(http.port())) {
      careless.send(post("sleep", "500"));
      awaitTrue(() -> busy() == 1, 10);
    }
    awaitTrue(() -> http.abandonedRequests() == 1, 10);
    assertEquals(
        pid,
        new String(
            pool.submit(Job.of("pid", new byte[0])).get(30, TimeUnit.SECONDS),
            StandardCharsets.UTF_8),
        "the child that ran the abandoned job was not killed");
  }

  @Test
  void pipelinedBehindASlowJob_splitAcrossReads_all200InOrder_noFalse408() throws Exception {
    try (RawHttp client = new RawHttp(http.port())) {
      client.send(post("sleep", "2500")); // longer than the 1 s request timeout
      Thread.sleep(200);
      String second = post("echo", "second");
      client.send(second.substring(0, 20)); // split across TCP segments and reads
      Thread.sleep(200);
      client.send(second.substring(20) + post("echo", "third"));
      Thread.sleep(300);
      client.send(post("echo", "fourth"));
      assertEquals(200, client.read().status());
      for (String expected : List.of("second", "third", "fourth")) {
        RawHttp.Response response = client.read();
        assertEquals(200, response.status(), response.body());
        assertEquals(expected, response.body());
      }
    }
  }

  @Test
  void deadlineHeader_expiredInQueue504_unmeetable503_bad400() throws Exception {
    try (Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> blocker = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      rendezvous.awaitStart();
      try (RawHttp client = new RawHttp(http.port())) {
        client.send(
            "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Job-Deadline-Ms: 150\r\nContent-Length: 2\r\n\r\nhi");
        RawHttp.Response expired = client.read();
        assertEquals(504, expired.status(), expired.body());
        assertTrue(expired.body().contains("DEADLINE_EXCEEDED"), expired.body());
        client.send(
            "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Job-Deadline-Ms: soon\r\nContent-Length: 2\r\n\r\nhi");
        assertEquals(400, client.read().status());
      }
      rendezvous.releaseAll(1);
      blocker.get(30, TimeUnit.SECONDS);
    }
    ProcessPool strictPool = ProcessPool.builder().children(1).deadlineAdmission(true).start();
    HttpFrontEnd strict = HttpFrontEnd.start(strictPool, HttpSettings.loopback(0));
    try (RawHttp client = new RawHttp(strict.port())) {
      for (int i = 0; i < 2; i++) {
        client.send(post("sleep", "300"));
        assertEquals(200, client.read().status()); // jobs take ~300 ms here
      }
      try (RawHttp busy = new RawHttp(strict.port());
          RawHttp busy2 = new RawHttp(strict.port())) {
        busy.send(post("sleep", "1000"));
        busy2.send(post("sleep", "1000"));
        awaitTrue(() -> strictPool.status().join().queued() == 1, 10);
        client.send(
            "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Job-Deadline-Ms: 100\r\nContent-Length: 2\r\n\r\nhi");
        RawHttp.Response refused = client.read();
        assertEquals(503, refused.status(), refused.body());
        assertTrue(
            refused.headers().stream().anyMatch(h -> h.startsWith("retry-after:")),
            refused.headers().toString());
        assertEquals(200, busy.read().status());
        assertEquals(200, busy2.read().status());
      }
    } finally {
      strict.close();
      strictPool.close();
    }
  }

  @Test
  void badHttpVersion_505() throws Exception {
    try (RawHttp client = new RawHttp(http.port())) {
      client.send("GET /health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(505, client.read().status());
    }
  }

  @Test
  void tooManyConnections_refusedCleanly_othersServed() throws Exception {
    HttpFrontEnd small =
        HttpFrontEnd.start(pool, HttpSettings.loopback(0).withClientLimits(3, false));
    List<RawHttp> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawHttp client = new RawHttp(small.port());
        open.add(client);
        client.send(post("echo", "hi" + i));
        assertEquals("hi" + i, client.read().body());
      }
      try (RawHttp fourth = new RawHttp(small.port())) {
        RawHttp.Response refused = fourth.read();
        assertEquals(503, refused.status());
        assertTrue(refused.body().contains("TOO_MANY_CONNECTIONS"), refused.body());
        assertTrue(fourth.closedByServer());
      }
      assertEquals(1, small.refusedConnections());
      open.get(0).send(post("echo", "still"));
      assertEquals("still", open.get(0).read().body());
    } finally {
      for (RawHttp client : open) {
        client.close();
      }
      small.close();
    }
  }

  @Test
  void endStreams_eventStreamGetsDrainingAndEnds() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), http.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      readUntil(in, seen, "data: ");
      http.endStreams();
      readUntil(in, seen, "event: draining");
      assertTrue(in.readAllBytes().length >= 0); // and the server closes the stream
    }
  }

  private static void readUntil(InputStream in, StringBuilder seen, String marker)
      throws IOException {
    while (!seen.toString().contains(marker)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("stream ended before '" + marker + "': " + seen);
      }
      seen.append((char) b);
    }
  }

  private int queued() {
    return pool.status().join().queued();
  }

  private int busy() {
    return pool.status().join().busy();
  }

  private static void sendQuietly(RawHttp client, String raw) {
    try {
      client.send(raw);
    } catch (IOException e) {
      // the test reads what was answered
    }
  }

  private static void awaitTrue(BooleanSupplier condition, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + seconds + " s");
      }
      Thread.sleep(20);
    }
  }
}
