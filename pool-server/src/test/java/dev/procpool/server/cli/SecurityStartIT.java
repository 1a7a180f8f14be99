package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.server.testing.ServedMaster;
import dev.procpool.server.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code serve} refuses before it starts (a data directory, class-data directory or secret
 * another user prepared or can read), SIGHUP on a front, and commits surviving a second Ctrl-C.
 * Real processes. See docs/security.md.
 */
class SecurityStartIT {
  private static final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** Runs serve to its end; returns its exit status and output. */
  private static String[] refusal(Path dir, String... args) throws Exception {
    Process serve = ServerProcess.launch(dir, args);
    String out = new String(serve.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(serve.waitFor(60, TimeUnit.SECONDS), out);
    return new String[] {Integer.toString(serve.exitValue()), out};
  }

  @Test
  void groupReadableDataDir_isRefused_withOneLine(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
    String[] r = refusal(dir, "serve", "--port", "0", "--data-dir", data.toString());
    assertEquals("2", r[0], r[1]);
    assertEquals(
        "procpool: "
            + data.toAbsolutePath()
            + " is open to group or others (mode rwxr-x---);"
            + " run: chmod 700 "
            + data.toAbsolutePath(),
        r[1].strip());
  }

  @Test
  void plantedClassDataDirectory_isRefused(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Path cds = Files.createDirectory(data.resolve("cds"));
    Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(cds.resolve("children-0123456789abcdef.jsa"), "planted");
    String[] r = refusal(dir, "serve", "--port", "0", "--data-dir", data.toString());
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].strip().startsWith("procpool: " + cds.toAbsolutePath() + " is open"), r[1]);
  }

  @Test
  void plantedAdminToken_ofAnotherUser_isRefused(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "only root can give a file away");
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Path token = Files.writeString(data.resolve("admin-token"), "0123456789abcdef0123456789\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    assertEquals(0, new ProcessBuilder("chown", "nobody", token.toString()).start().waitFor());
    String[] r = refusal(dir, "serve", "--port", "0", "--data-dir", data.toString());
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].contains(token.toAbsolutePath() + " belongs to nobody, not root"), r[1]);
  }

  @Test
  void sighupOnAFront_isLogged_serverStaysUp(@TempDir Path dir) throws Exception {
    String[] watch =
        refusal(dir, "serve", "--broker", "amqp://127.0.0.1:5672", "--role", "front", "--watch");
    assertEquals("2", watch[0], watch[1]);
    assertTrue(watch[1].contains("--watch rolls a local pool's children"), watch[1]);
    try (ServedMaster front =
        ServedMaster.start(
            dir,
            List.of(),
            Set.of("NullPointerException", "nothing to roll", "no local pool here"),
            "serve",
            "--broker",
            "amqp://127.0.0.1:5672",
            "--broker-queue",
            "procpool.security." + System.nanoTime(),
            "--role",
            "front",
            "--port",
            "0")) {
      int port = front.awaitPort();
      assertEquals(1, front.awaitSeen("no local pool here"), front.output());
      for (int i = 0; i < 2; i++) {
        assertEquals(
            0,
            new ProcessBuilder("kill", "-HUP", Long.toString(front.process.pid()))
                .start()
                .waitFor());
      }
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
      assertTrue(front.process.isAlive());
      assertEquals(0, front.seen("NullPointerException"), front.output());
    }
  }

  private static HttpResponse<String> post(int port, String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void commitsAnswered_surviveASecondCtrlC(@TempDir Path dir) throws Exception {
    String[] serve = {"serve", "--port", "0", "--children", "1", "--data-dir", "data"};
    try (ServedMaster first = ServedMaster.start(dir, List.of(), Set.of(), serve)) {
      int port = first.awaitPort();
      assertEquals(
          200, post(port, "/jobs/ledger.open", "{\"id\":\"a\",\"balance\":100}").statusCode());
      assertEquals(
          200, post(port, "/jobs/ledger.open", "{\"id\":\"b\",\"balance\":0}").statusCode());
      HttpResponse<String> moved =
          post(port, "/jobs/ledger.transfer", "{\"from\":\"a\",\"to\":\"b\",\"amount\":42}");
      assertEquals(200, moved.statusCode(), moved.body());
      // A job holds the drain, so the second signal finds the server still draining.
      CompletableFuture<HttpResponse<String>> slow =
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/sleep"))
                  .POST(HttpRequest.BodyPublishers.ofString("20000"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String pid = Long.toString(first.process.pid());
      assertEquals(0, new ProcessBuilder("kill", "-INT", pid).start().waitFor());
      assertEquals(0, new ProcessBuilder("kill", "-INT", pid).start().waitFor());
      assertTrue(first.process.waitFor(60, TimeUnit.SECONDS), first.output());
      assertEquals(1, first.process.exitValue(), first.output());
      slow.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
    }
    try (ServedMaster second = ServedMaster.start(dir, List.of(), Set.of(), serve)) {
      int port = second.awaitPort();
      HttpResponse<String> balance = post(port, "/jobs/ledger.balance", "b");
      assertEquals(200, balance.statusCode(), balance.body());
      assertEquals("42", balance.body());
    }
  }
}
