package dev.procpool.examples.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The repackaged Spring Boot executable jar (procpool nested in BOOT-INF/lib), started with
 * {@code java -jar}: jobs run in child JVMs, Actuator health lists the pool, SIGTERM leaves no child.
 */
class ExecutableJarIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @Timeout(180)
  void javaJar_jobRunsInAChild_healthUp_sigtermLeavesNoChild() throws Exception {
    Path jar = Path.of(System.getProperty("app.jar"));
    assertTrue(Files.isRegularFile(jar), "no executable jar at " + jar);
    int port = freePort();
    Path log = Files.createTempFile("example-app", ".log");
    Process app = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(), "--server.port=" + port)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      String base = "http://127.0.0.1:" + port;
      String health = awaitHealth(base + "/actuator/health", app, log);
      assertTrue(health.matches("(?s).*\"procpool\"\\s*:\\s*\\{\\s*\"status\"\\s*:\\s*\"UP\".*"), health);

      String answer = get(base + "/upper?text=hello").body();
      assertTrue(answer.contains("\"result\":\"HELLO\""), answer);
      long childPid = number(answer, "childPid");
      assertNotEquals(app.pid(), childPid, "the job ran in the application's own process");
      assertEquals(app.pid(), number(answer, "appPid"));
      List<ProcessHandle> children = app.toHandle().descendants().toList();
      assertTrue(children.stream().anyMatch(p -> p.pid() == childPid), "the child is the app's: " + children);

      app.destroy(); // SIGTERM
      assertTrue(app.waitFor(60, TimeUnit.SECONDS), "the app did not exit on SIGTERM:\n" + Files.readString(log));
      for (ProcessHandle child : children) {
        assertTrue(child.onExit().get(10, TimeUnit.SECONDS) != null && !child.isAlive(), "child left behind: " + child.pid());
      }
    } finally {
      app.destroyForcibly();
    }
  }

  private String awaitHealth(String url, Process app, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      assertTrue(app.isAlive(), "the app exited:\n" + Files.readString(log));
      try {
        HttpResponse<String> response = get(url);
        if (response.statusCode() == 200) {
          return response.body();
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no healthy app within 90 s:\n" + Files.readString(log));
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(json);
    assertTrue(m.find(), field + " missing in " + json);
    return Long.parseLong(m.group(1));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
