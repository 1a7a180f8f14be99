package dev.procpool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run as a real process: flags, version, serve, SIGTERM. */
class CliIT {

  private static Process launch(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).directory(dir.toFile()).start();
  }

  private static String all(java.io.InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
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

  @Test
  void serve_embeddedDefault_answersThenDrainsOnSigterm(@TempDir Path dir) throws Exception {
    Process server = launch(dir, "serve", "--port", "0", "--children", "2");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
      for (int i = 0; i < 200 && port < 0; i++) {
        String line = out.readLine();
        assertTrue(line != null, "server ended before listening");
        Matcher m = listening.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        }
      }
      assertTrue(port > 0, "server printed its port");
      // Keep draining the server's output so it can never block on a full pipe.
      Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> opened = client.send(
          HttpRequest.newBuilder(URI.create(base + "/jobs/ledger.open")).POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"cli\",\"balance\":7}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, opened.statusCode(), opened.body());
      HttpResponse<String> balance = client.send(
          HttpRequest.newBuilder(URI.create(base + "/jobs/ledger.balance")).POST(HttpRequest.BodyPublishers.ofString("cli")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("7", balance.body());
      assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

      server.destroy(); // SIGTERM
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
