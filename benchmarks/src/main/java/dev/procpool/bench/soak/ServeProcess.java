package dev.procpool.bench.soak;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code java -jar procpool.jar serve} process on a free loopback port, with the fault fixtures
 * as its {@code --jobs} jar: started, watched ({@code /proc}, {@code jcmd}), and stopped with
 * SIGTERM like an operator would.
 */
final class ServeProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final List<ProcessHandle> everSeen = new ArrayList<>();

  private ServeProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static ServeProcess start(
      Path procpoolJar, Path fixturesJar, Path dataDir, int children, List<String> childOptions)
      throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "-jar", procpoolJar.toString(), "serve"));
    command.addAll(List.of("--port", Integer.toString(port), "--children", "" + children));
    command.addAll(List.of("--jobs", fixturesJar.toString(), "--data-dir", dataDir.toString()));
    command.addAll(List.of("--job-timeout", "10s", "--queue-capacity", "10000"));
    for (String option : childOptions) {
      command.add("--child-jvm-option=" + option);
    }
    Files.createDirectories(dataDir);
    // On a loaded machine the first children (AppCDS dump, database pool) can miss their start
    // timeout and the server gives up: try again, a bounded number of times.
    for (int attempt = 1; ; attempt++) {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(dataDir.resolve("serve.log").toFile()))
              .start();
      ServeProcess serve = new ServeProcess(process, port);
      try {
        serve.awaitHealthy();
        return serve;
      } catch (IllegalStateException e) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        if (attempt == 3) {
          throw e;
        }
        System.err.println("soak: serve did not start (attempt " + attempt + "); again");
      }
    }
  }

  private void awaitHealthy() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // polling a process we cannot get an event from; bounded above
    }
    throw new IllegalStateException("serve did not become healthy (see serve.log)");
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** The server's live children (its child JVMs); remembered, to check none outlives it. */
  List<ProcessHandle> children() {
    List<ProcessHandle> now = process.toHandle().children().filter(ProcessHandle::isAlive).toList();
    synchronized (everSeen) {
      everSeen.addAll(now);
    }
    return now;
  }

  /** Stops it with SIGTERM (a drain) and returns the children of it still alive afterwards. */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> last = new ArrayList<>(process.toHandle().descendants().toList());
    process.destroy();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    synchronized (everSeen) {
      everSeen.addAll(last);
    }
  }

  /** Children of the server seen during the run that are still alive (after {@link #close()}). */
  List<ProcessHandle> orphans() throws InterruptedException {
    List<ProcessHandle> seen;
    synchronized (everSeen) {
      seen = List.copyOf(everSeen);
    }
    List<ProcessHandle> alive = new ArrayList<>();
    for (ProcessHandle h : seen) {
      // A child's exit is reaped by its parent; give the kernel a moment, bounded.
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        if (h.isAlive()) {
          alive.add(h);
        }
      }
    }
    return alive;
  }

  int exitCode() {
    return process.isAlive() ? -1 : process.exitValue();
  }
}
