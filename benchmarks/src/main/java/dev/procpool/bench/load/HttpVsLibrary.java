package dev.procpool.bench.load;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 7. The HTTP front end under a keep-alive load generator vs. the library path at the same
 * concurrency, both on 2 children with 64-byte echo jobs. The server runs as its own process
 * ({@code procpool serve}), as users run it. Prints one line per path; appends them to the file
 * given as the first argument.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.procpool.bench.load.HttpVsLibrary <out>
 * [connections] [seconds]}
 */
public final class HttpVsLibrary {
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int connections = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
    byte[] payload = new byte[64];
    Arrays.fill(payload, (byte) 'x');

    Path dataDir = Files.createTempDirectory("pp-http-bench-");
    Process server =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.procpool.server.cli.Main",
                "serve",
                "--port",
                "0",
                "--children",
                "2",
                "--data-dir",
                dataDir.toString())
            .redirectErrorStream(true)
            .start();
    LoadResult http;
    try {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
      int port = -1;
      for (int i = 0; i < 500 && port < 0; i++) {
        String line = lines.readLine();
        if (line == null) {
          throw new IllegalStateException("server exited before listening");
        }
        Matcher m = listening.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        }
      }
      Thread drain = new Thread(() -> lines.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      http = HttpLoad.run(port, "/jobs/echo", payload, connections, seconds / 2, seconds);
    } finally {
      server.destroy();
      server.waitFor();
    }

    LoadResult library;
    try (ProcessPool pool = ProcessPool.builder().children(2).start()) {
      library = libraryLoad(pool, payload, connections, seconds / 2, seconds);
    }
    String report =
        http.line()
            + "\n"
            + library.line()
            + "\n"
            + String.format("http_vs_library ratio=%.2f%n", http.perSecond() / library.perSecond());
    System.out.print(report);
    Files.writeString(
        out,
        report,
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  /** The same closed loop as {@link HttpLoad}, through {@code pool.submit(...).join()}. */
  static LoadResult libraryLoad(
      ProcessPool pool, byte[] payload, int threads, double warmupSeconds, double seconds)
      throws Exception {
    long start = System.nanoTime();
    long measureFrom = start + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    Job<byte[]> job = Job.of("echo", payload);
    AtomicLong errors = new AtomicLong();
    List<LatencyLog> logs = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      LatencyLog log = new LatencyLog();
      logs.add(log);
      Thread worker =
          new Thread(
              () -> {
                while (true) {
                  long sent = System.nanoTime();
                  if (sent >= end) {
                    return;
                  }
                  try {
                    pool.submit(job).join();
                    if (sent >= measureFrom) {
                      log.add(System.nanoTime() - sent);
                    }
                  } catch (RuntimeException e) {
                    errors.incrementAndGet();
                  }
                }
              });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    List<long[]> latencies = new ArrayList<>();
    logs.forEach(l -> latencies.add(l.toArray()));
    return LoadResult.of("library", threads, latencies, errors.get(), seconds);
  }
}
