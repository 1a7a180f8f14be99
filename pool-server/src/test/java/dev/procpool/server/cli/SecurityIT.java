package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.server.testing.RawHttp;
import dev.procpool.server.testing.ServedMaster;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on one served master (embedded database, master heap -Xmx160m, one child), from outside,
 * as a hostile neighbour, web page or handler would try them. Each is refused while the server
 * keeps serving. See docs/security.md.
 */
class SecurityIT {
  private static final String OOM = "OutOfMemoryError";
  private static final String FLOOD = "flooding the master's log";
  private static final String DROPPED = "lines dropped";

  @TempDir static Path dir;
  private static ServedMaster server;
  private static String base;
  private static int port;
  private static final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    server =
        ServedMaster.start(
            dir,
            List.of("-Xmx160m"),
            Set.of(OOM, FLOOD, DROPPED),
            "serve",
            "--port",
            "0",
            "--children",
            "1",
            "--data-dir",
            "data");
    port = server.awaitPort();
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(120))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void stillServes() throws Exception {
    HttpResponse<String> echo = post("/jobs/echo", "still here");
    assertEquals(200, echo.statusCode(), echo.body());
    assertEquals("still here", echo.body());
  }

  @Test
  void strangersDatabase_onEveryTcpPort_isRefused() throws Exception {
    Set<Integer> ports = server.listeningTcpPorts();
    assertTrue(ports.contains(port), "the HTTP port is found: " + ports);
    assertTrue(ports.size() >= 2, "HTTP and the embedded database: " + ports);
    for (int p : ports) {
      // On the HTTP port any name fails alike; on the database's, each name is tried.
      List<String> names =
          p == port
              ? List.of("mallory")
              : List.of("mallory", "procpool", "./procpool", "../mallory");
      for (String name : names) {
        String url = "jdbc:h2:tcp://127.0.0.1:" + p + "/" + name + ";CONNECT_TIMEOUT=10000";
        assertThrows(
            SQLException.class,
            () -> DriverManager.getConnection(url, "mallory", "letmein").close(),
            url);
      }
    }
    try (var files = Files.list(dir.resolve("data"))) {
      assertEquals(
          List.of(),
          files.map(f -> f.getFileName().toString()).filter(f -> f.contains("mallory")).toList());
    }
    // The children's own credentials do open it: the refusals above are the server's checks.
    String password = Files.readString(dir.resolve("data/db-password")).trim();
    int dbPort = ports.stream().filter(p -> p != port).findFirst().orElseThrow();
    DriverManager.getConnection(
            "jdbc:h2:tcp://127.0.0.1:" + dbPort + "/procpool", "procpool", password)
        .close();
    stillServes();
  }

  @Test
  void dataDirectory_andItsFiles_areTheOwnersAlone() throws Exception {
    Path data = dir.resolve("data");
    assertEquals("rwx------", mode(data));
    assertEquals("rwx------", mode(data.resolve("cds")));
    for (String file : List.of("admin-token", "db-password", "procpool.mv.db")) {
      assertEquals("rw-------", mode(data.resolve(file)), file);
    }
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void crossSiteRequest_andRebindingHost_areRefused_sameOriginServed() throws Exception {
    try (RawHttp raw = new RawHttp(port)) {
      raw.send(
          "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1:"
              + port
              + "\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\n"
              + "Content-Length: 2\r\n\r\nhi");
      RawHttp.Response response = raw.read();
      assertEquals(403, response.status(), response.body());
      assertTrue(response.body().contains("ORIGIN_NOT_ALLOWED"), response.body());
    }
    try (RawHttp raw = new RawHttp(port)) {
      raw.send("GET /status HTTP/1.1\r\nHost: evil.example:" + port + "\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(403, response.status(), response.body());
      assertTrue(response.body().contains("HOST_NOT_ALLOWED"), response.body());
    }
    try (RawHttp raw = new RawHttp(port)) {
      raw.send(
          "POST /jobs/echo HTTP/1.1\r\nHost: localhost:"
              + port
              + "\r\nOrigin: http://localhost:"
              + port
              + "\r\nContent-Length: 2\r\n\r\nhi");
      RawHttp.Response response = raw.read();
      assertEquals(200, response.status(), response.body());
      assertEquals("hi", response.body());
    }
  }

  @Test
  void endlessOutputLine_of400MiB_masterHeapHolds_nextJobAnswered() throws Exception {
    HttpResponse<String> flood = post("/jobs/flood", "line " + 400L * 1024 * 1024);
    assertEquals(200, flood.statusCode(), flood.body());
    stillServes();
    assertEquals(0, server.seen(OOM), server.output());
    assertTrue(server.process.isAlive());
  }

  @Test
  void outputFlood_isRateLimitedInTheLog_childKeepsServing() throws Exception {
    HttpResponse<String> flood = post("/jobs/flood", "lines 200000");
    assertEquals(200, flood.statusCode(), flood.body());
    stillServes(); // later output of this child ends the drop count with a line
    long logged = server.seen(FLOOD);
    assertTrue(logged < 20_000, "logged " + logged + " of 200000 lines");
    assertEquals(0, server.seen(OOM), server.output());
  }

  @Test
  void nonReadingEventStreams_overTheCap_refused_othersServed() throws Exception {
    List<Socket> streams = new ArrayList<>();
    try {
      for (int i = 0; i < 33; i++) {
        Socket s = new Socket();
        s.setReceiveBufferSize(1024); // and never read: the server must not buffer for it
        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        streams.add(s);
        s.getOutputStream()
            .write(
                ("GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
      }
      // One stream is over the cap of 32: its answer is a 503. Only each status line is read.
      int refused = 0;
      for (Socket s : streams) {
        String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
        if (status.equals("HTTP/1.1 503")) {
          refused++;
        } else {
          assertEquals("HTTP/1.1 200", status);
        }
      }
      assertEquals(1, refused);
      stillServes();
    } finally {
      for (Socket s : streams) {
        s.close();
      }
    }
  }
}
