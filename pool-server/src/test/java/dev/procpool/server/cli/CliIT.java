package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testsupport.OutsideServices;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run as a real process: flags, version, serve, SIGTERM. */
class CliIT {

  private static Process launch(Path dir, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).directory(dir.toFile()).start();
  }

  /** The children part of a status document (the deaths that follow list old pids too). */
  private static String childrenOf(String status) {
    int deaths = status.indexOf("\"recentDeaths\"");
    return deaths < 0 ? status : status.substring(0, deaths);
  }

  private static String all(java.io.InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  /**
   * Reads the server's output until it prints its port (bounded), then keeps draining it on a
   * daemon thread so the server never blocks on a full pipe.
   */
  private static int awaitPort(Process server) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    for (int i = 0; i < 200; i++) {
      String line = out.readLine();
      assertTrue(line != null, "server ended before listening");
      Matcher m = listening.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the server did not print its port");
  }

  /** Waits (bounded) until /status shows a busy child. */
  private static void awaitBusy(HttpClient client, String base) throws Exception {
    for (int i = 0; i < 100; i++) {
      String status =
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (status.contains("\"state\":\"BUSY\"")) {
        return;
      }
      Thread.sleep(20); // polling the server's own status page: there is no push
    }
    throw new AssertionError("no child became busy");
  }

  /** After SIGTERM: submits until the server refuses (the signal is asynchronous), bounded. */
  private static HttpResponse<String> awaitRefusal(HttpClient client, String base)
      throws Exception {
    HttpResponse<String> response = null;
    for (int i = 0; i < 100; i++) {
      response =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/jobs/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("late"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return response;
      }
      Thread.sleep(20); // the signal handler runs on its own thread; give it a moment
    }
    return response;
  }

  @Test
  void serveWatch_jarRewritten_newCodeGoesLiveWithoutRestart(@TempDir Path dir) throws Exception {
    Path jar =
        dev.procpool.testing.HandlerJars.build(
            dir, dir.resolve("jobs.jar"), "Version", "version", "return \"v1\".getBytes();");
    Process server =
        launch(dir, "serve", "--port", "0", "--children", "1", "--watch", "--jobs", jar.toString());
    try {
      int port = awaitPort(server);
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest version =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/version"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();
      assertEquals("v1", client.send(version, HttpResponse.BodyHandlers.ofString()).body());

      dev.procpool.testing.HandlerJars.build(
          dir, jar, "Version", "version", "return \"v2\".getBytes();");
      String seen = "v1";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!seen.equals("v2") && System.nanoTime() < deadline) {
        HttpResponse<String> response = client.send(version, HttpResponse.BodyHandlers.ofString());
        assertEquals(
            200,
            response.statusCode(),
            "no request fails while the children roll: " + response.body());
        seen = response.body();
        Thread.sleep(50); // polling for the roll to finish: the server does not tell clients
      }
      assertEquals("v2", seen, "the rewritten jar went live");
    } finally {
      server.destroy();
      server.waitFor(60, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  /**
   * Zero-downtime handover of the whole server: a second master binds the same port (SO_REUSEPORT),
   * the first gets SIGTERM, and a client opening a fresh connection per request sees no failed
   * request throughout. A connection refused or reset before any response (a connection left in the
   * old listener's backlog) never reached a server and is retried.
   */
  @Test
  void reusePort_newMasterTakesOver_noRequestFails(@TempDir Path dir) throws Exception {
    int port;
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(dir.resolve("old"));
    Files.createDirectories(dir.resolve("new"));
    Process oldServer =
        launch(
            dir.resolve("old"),
            "serve",
            "--port",
            Integer.toString(port),
            "--children",
            "1",
            "--reuse-port");
    Process newServer = null;
    java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong retried = new java.util.concurrent.atomic.AtomicLong();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread client =
        new Thread(
            () -> {
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
              for (long n = 0; !stop.get() && System.nanoTime() < deadline; n++) {
                String body = "req-" + n;
                for (int attempt = 0; ; attempt++) {
                  try (dev.procpool.server.testing.RawHttp raw =
                      new dev.procpool.server.testing.RawHttp(port)) {
                    raw.send(
                        "POST /jobs/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
                            + body.length()
                            + "\r\n\r\n"
                            + body);
                    dev.procpool.server.testing.RawHttp.Response response = raw.read();
                    if (response.status() == 200 && response.body().equals(body)) {
                      ok.incrementAndGet();
                    } else {
                      failures.add(response.status() + " " + response.body());
                    }
                    break;
                  } catch (java.io.IOException e) {
                    if (attempt >= 50) {
                      failures.add("gave up: " + e);
                      break;
                    }
                    retried.incrementAndGet();
                  }
                }
              }
            },
            "handover-client");
    try {
      assertEquals(port, awaitPort(oldServer));
      client.start();
      awaitCount(ok, 50);
      newServer =
          launch(
              dir.resolve("new"),
              "serve",
              "--port",
              Integer.toString(port),
              "--children",
              "1",
              "--reuse-port");
      assertEquals(port, awaitPort(newServer));
      awaitCount(ok, ok.get() + 50);
      oldServer.destroy(); // SIGTERM: hand over, drain, exit
      assertTrue(oldServer.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, oldServer.exitValue());
      awaitCount(ok, ok.get() + 50);
      stop.set(true);
      client.join(30_000);
      assertEquals(
          List.of(),
          failures,
          "no request failed through the handover (" + retried + " connection retries)");
      assertTrue(ok.get() >= 150);
    } finally {
      stop.set(true);
      oldServer.destroyForcibly();
      if (newServer != null) {
        newServer.destroy();
        newServer.waitFor(60, TimeUnit.SECONDS);
        newServer.destroyForcibly();
      }
    }
  }

  private static void awaitCount(java.util.concurrent.atomic.AtomicLong counter, long target)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (counter.get() < target && System.nanoTime() < deadline) {
      Thread.sleep(20); // the client thread advances the counter
    }
    assertTrue(counter.get() >= target, "requests stalled at " + counter.get());
  }

  /**
   * AppCDS: the first run from procpool.jar records the children's classes, the next run starts
   * children from the archive.
   */
  @Test
  void serveFromJar_recordsClassDataArchive_nextRunUsesIt(@TempDir Path dir) throws Exception {
    twoRunsShareAnArchive(
        dir, List.of(), "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", ".jsa");
  }

  /**
   * Children on JDK 25 ({@code --child-java}; the server stays on this JDK): the first run records
   * an AOT cache, the second starts its children from it. Needs a JDK 25+: {@code .ci/run} sets
   * PROCPOOL_TEST_JAVA25 when it finds one.
   */
  @Test
  void childJava25_recordsAotCache_nextRunUsesIt(@TempDir Path dir) throws Exception {
    String java25 = OutsideServices.java25().toString();
    twoRunsShareAnArchive(
        dir, List.of("--child-java", java25), "-XX:AOTCacheOutput=", "-XX:AOTCache=", ".aot");
  }

  private void twoRunsShareAnArchive(
      Path dir, List<String> extraArgs, String recordFlag, String useFlag, String extension)
      throws Exception {
    Path jar = Path.of("target", "procpool.jar").toAbsolutePath();
    Assumptions.assumeTrue(Files.isRegularFile(jar), "procpool.jar is built in the package phase");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path data = dir.resolve("data");
    for (int run = 1; run <= 2; run++) {
      List<String> command =
          new ArrayList<>(
              List.of(
                  java,
                  "-jar",
                  jar.toString(),
                  "serve",
                  "--port",
                  "0",
                  "--children",
                  "1",
                  "--data-dir",
                  data.toString()));
      command.addAll(extraArgs);
      Process server = new ProcessBuilder(command).directory(dir.toFile()).start();
      try {
        int port = awaitPort(server);
        HttpResponse<String> echo =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/echo"))
                        .POST(HttpRequest.BodyPublishers.ofString("cds"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertEquals("cds", echo.body());
        String childArgs = "";
        for (ProcessHandle child :
            ProcessHandle.of(server.pid()).orElseThrow().children().toList()) {
          childArgs +=
              new String(
                  Files.readAllBytes(Path.of("/proc", Long.toString(child.pid()), "cmdline")),
                  StandardCharsets.UTF_8);
        }
        assertTrue(childArgs.contains(run == 1 ? recordFlag : useFlag), childArgs);
        server.destroy();
        assertTrue(server.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, server.exitValue());
      } finally {
        server.destroyForcibly();
      }
      try (var files = Files.list(data.resolve("cds"))) {
        assertTrue(
            files.anyMatch(
                f -> f.getFileName().toString().matches("children-[0-9a-f]+\\" + extension)),
            "the archive is in place after run " + run);
      }
    }
  }

  @Test
  void badFlag_oneLineErrorAndExit2(@TempDir Path dir) throws Exception {
    Process process = launch(dir, "serve", "--no-such-flag");
    String err = all(process.getErrorStream());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, process.exitValue());
    assertEquals(1, err.strip().lines().count(), err);
    assertTrue(err.contains("--no-such-flag") && !err.contains("Exception"), err);
  }

  @Test
  void badValue_oneLineErrorAndExit2(@TempDir Path dir) throws Exception {
    Process process = launch(dir, "serve", "--job-timeout", "soonish");
    String err = all(process.getErrorStream());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, process.exitValue(), err);
    assertEquals(1, err.strip().lines().count(), err);
  }

  @Test
  void version_printsVersion(@TempDir Path dir) throws Exception {
    Process process = launch(dir, "--version");
    String out = all(process.getInputStream());
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue());
    assertTrue(out.startsWith("procpool "), out);
  }

  /** An open dashboard stream is told the server drains and ends: it holds up nothing. */
  @Test
  void sigtermWithOpenEventStream_exitsPromptly(@TempDir Path dir) throws Exception {
    Process server = launch(dir, "serve", "--port", "0", "--children", "1");
    try {
      int port = awaitPort(server);
      try (java.net.Socket events = new java.net.Socket("127.0.0.1", port)) {
        events.setSoTimeout(30_000);
        events
            .getOutputStream()
            .write(
                "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        java.io.InputStream in = events.getInputStream();
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("data: ")) {
          int b = in.read();
          assertTrue(b >= 0, "stream ended early: " + seen);
          seen.append((char) b);
        }
        long sigterm = System.nanoTime();
        server.destroy(); // SIGTERM
        seen.append(
            new String(in.readAllBytes(), StandardCharsets.UTF_8)); // until the server ends it
        assertTrue(seen.toString().contains("event: draining"), seen.toString());
        assertTrue(server.waitFor(20, TimeUnit.SECONDS), "server exits after SIGTERM");
        assertEquals(0, server.exitValue());
        assertTrue(
            System.nanoTime() - sigterm < TimeUnit.SECONDS.toNanos(20),
            "bounded, not the 30 s drain timeout");
      }
    } finally {
      server.destroyForcibly();
    }
  }

  @Test
  void serve_embeddedDefault_answersThenDrainsOnSigterm(@TempDir Path dir) throws Exception {
    Process server = launch(dir, "serve", "--port", "0", "--children", "2", "--pipelining");
    try {
      int port = awaitPort(server);
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> opened =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/jobs/ledger.open"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"cli\",\"balance\":7}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, opened.statusCode(), opened.body());
      HttpResponse<String> balance =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/jobs/ledger.balance"))
                  .POST(HttpRequest.BodyPublishers.ofString("cli"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals("7", balance.body());
      assertEquals(
          200,
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());

      // The admin commands against the running server.
      String tokenFile = dir.resolve("procpool-data/admin-token").toString();
      Process status = launch(dir, "status", "--url", base);
      String table = all(status.getInputStream());
      assertTrue(status.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, status.exitValue(), table);
      assertTrue(table.contains("IDLE") && table.contains("queued=0"), table);
      Process resize = launch(dir, "resize", "1", "--url", base, "--token-file", tokenFile);
      String resized = all(resize.getInputStream()) + all(resize.getErrorStream());
      assertTrue(resize.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, resize.exitValue(), resized);
      assertEquals(
          1,
          resized.lines().filter(l -> l.contains("IDLE") || l.contains("BUSY")).count(),
          resized);
      Process restart = launch(dir, "restart", "--url", base, "--token-file", tokenFile);
      String restarted = all(restart.getInputStream()) + all(restart.getErrorStream());
      assertTrue(restart.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, restart.exitValue(), restarted);
      // SIGHUP rolls the children too (the Unicorn/Gunicorn convention).
      String before =
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher firstPid = Pattern.compile("\"pid\":(\\d+)").matcher(before);
      assertTrue(firstPid.find(), before);
      assertEquals(
          0, new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor());
      String after = before;
      long hupDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (childrenOf(after).contains("\"pid\":" + firstPid.group(1) + ",")
          && System.nanoTime() < hupDeadline) {
        Thread.sleep(50); // polling /status while the children roll
        after =
            client
                .send(
                    HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
      }
      assertTrue(
          !childrenOf(after).contains("\"pid\":" + firstPid.group(1) + ","),
          "SIGHUP replaced the child: " + after);

      Process unreachable = launch(dir, "status", "--url", "http://127.0.0.1:1");
      String why = all(unreachable.getErrorStream());
      assertTrue(unreachable.waitFor(60, TimeUnit.SECONDS));
      assertEquals(3, unreachable.exitValue());
      assertTrue(why.contains("connection refused") && !why.contains("null"), why);
      Process noToken =
          launch(dir, "restart", "--url", base, "--token-file", dir.resolve("nope").toString());
      String noTokenWhy = all(noToken.getErrorStream());
      assertTrue(noToken.waitFor(60, TimeUnit.SECONDS));
      assertTrue(
          noTokenWhy.contains("no admin token file") && !noTokenWhy.contains("null"), noTokenWhy);

      // SIGTERM under load: the running job finishes, new work is refused with 503, exit 0.
      java.util.concurrent.CompletableFuture<HttpResponse<String>> slow =
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(base + "/jobs/sleep"))
                  .POST(HttpRequest.BodyPublishers.ofString("1500"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      awaitBusy(client, base);
      server.destroy(); // SIGTERM
      HttpResponse<String> refused = awaitRefusal(client, base);
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("POOL_CLOSED"), refused.body());
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, health.statusCode(), "draining is not healthy: " + health.body());
      assertTrue(health.body().contains("closed"), health.body());
      assertEquals(
          "1500", slow.get(30, TimeUnit.SECONDS).body(), "the job running at SIGTERM finished");
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server exits after SIGTERM");
      assertEquals(0, server.exitValue());
      assertTrue(Files.isRegularFile(dir.resolve("procpool-data/db-password")));
    } finally {
      server.destroyForcibly();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Descendants.alive().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100); // the server's children are our grandchildren: no exit event reaches us
    }
    assertEquals(List.of(), Descendants.alive());
  }
}
