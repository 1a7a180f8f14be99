package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's own check (#20): {@code serve --sandbox --children 2 --jobs <hostile jar>}, with a
 * data directory, a decoy process and an outside file of its own. Every way out comes back as an
 * error inside the job, echo still answers, the database warning is said once, SIGTERM ends it.
 */
class ServeSandboxIT {
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());

  @Test
  void serveSandbox_everyEscapeRefused_echoServes_sigtermEnds(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed");
    Path jar =
        dev.procpool.testing.HandlerJars.build(
            dir,
            dir.resolve("hostile.jar"),
            "Hostile",
            "hostile",
            "try { return new dev.procpool.child.fixtures.Escape().handle(p, c); }"
                + " catch (Exception e) { throw new RuntimeException(e); }");
    Path data = dir.resolve("data");
    Path outsideFile = Files.writeString(dir.resolve("outside.txt"), "not for jobs");
    Process decoy = new ProcessBuilder("sleep", "120").start();
    Process server =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "serve",
                "--sandbox",
                "--children",
                "2",
                "--port",
                "0",
                "--data-dir",
                data.toString(),
                "--jobs",
                jar.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    try {
      int port = awaitPort(server);
      String base = "http://127.0.0.1:" + port;
      String tmpName = "procpool-serve-" + UUID.randomUUID();
      List<String> attempts =
          List.of(
              "connect:127.0.0.1:5432",
              "connect:127.0.0.1:" + port,
              "read:" + outsideFile,
              "read:" + data.resolve("admin-token").toAbsolutePath(),
              "read:/etc/shadow",
              "write:" + dir.resolve("escaped.txt"),
              "stop:" + decoy.pid(),
              "environ:" + server.pid(),
              "exec:/bin/sh");
      for (String attempt : attempts) {
        HttpResponse<String> r = post(base + "/jobs/hostile", attempt);
        assertEquals(200, r.statusCode(), attempt + " -> " + r.body());
        assertTrue(r.body().startsWith("refused: "), attempt + " -> " + r.body());
      }
      assertEquals("ESCAPED: wrote", post(base + "/jobs/hostile", "tmp:" + tmpName).body());
      assertFalse(Files.exists(Path.of("/tmp", tmpName)), "the job's /tmp is not the host's");
      assertFalse(Files.exists(dir.resolve("escaped.txt")));
      assertTrue(decoy.isAlive());
      assertEquals("hi", post(base + "/jobs/echo", "hi").body());
      String status =
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(status.contains("\"network\":\"none (own loopback only)\""), status);
      assertEquals(
          1,
          output.stream().filter(l -> l.contains("children cannot reach the database")).count(),
          String.join("\n", output));
    } finally {
      decoy.destroyForcibly();
      server.destroy(); // SIGTERM
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "SIGTERM ends the server");
    }
  }

  private HttpResponse<String> post(String url, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(java.time.Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Reads output until the port is printed (bounded), then drains it into {@link #output}. */
  private int awaitPort(Process server) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    for (int i = 0; i < 500; i++) {
      String line = out.readLine();
      assertTrue(line != null, "server ended before listening:\n" + String.join("\n", output));
      output.add(line);
      Matcher m = listening.matcher(line);
      if (m.find()) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    out.lines().forEach(output::add);
                  } catch (java.io.UncheckedIOException closed) {
                    // the server is gone
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the server did not print its port");
  }
}
