package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * procpool under the protocol Node's pools are benchmarked with: a fresh JVM, 2 children, 2,000
 * warm-up jobs, then 10,000 measured jobs with 128 in flight; no-op jobs ({@code args[0]} = 0) or a
 * blocking sleep of that many milliseconds (the server's demo {@code sleep}). Prints one JSON line
 * like the Node and Python contenders, plus this JVM's measured cost of {@code Thread.sleep(1)},
 * from which the ideal for 1 ms jobs is computed, and the mean run time of a job and its part
 * outside the handler (the pool's {@code status().time()}). {@code args[1]} names a variant; the
 * args after it are the children's JVM options, except {@code --java=PATH}, which runs the children
 * on another JDK, {@code --no-pipelining}, which sends no job ahead to a busy child, {@code
 * --no-accounting}, which turns per-job accounting off ({@code jobAccounting(false)}), {@code
 * --direct-callbacks}, which completes futures on the pool's loop instead of handing them to its
 * callback executor, and {@code --class-data=DIR}, which keeps the children's AppCDS archive or, on
 * JDK 25+, AOT cache there (for example {@code c1 -XX:TieredStopAtLevel=1}, or {@code aot25
 * --java=/path/bin/java --class-data=/tmp/cache}).
 */
public final class PeersProtocol {
  private static final int WORKERS = 2;

  /**
   * The cold protocol's counts unless PEERS_WARMUP / PEERS_JOBS say otherwise (steady: 50k, 200k).
   */
  private static final int WARMUP = count("PEERS_WARMUP", 2_000);

  private static final int JOBS = count("PEERS_JOBS", 10_000);
  private static final String PROTOCOL = System.getenv().getOrDefault("PEERS_PROTOCOL", "cold");

  private static int count(String variable, int otherwise) {
    String value = System.getenv(variable);
    return value == null ? otherwise : Integer.parseInt(value);
  }

  public static void main(String[] args) throws Exception {
    int ms = Integer.parseInt(args[0]);
    String variant = args.length > 1 ? args[1] : "default";
    var builder = ProcessPool.builder().children(WORKERS).name("peers");
    List<String> options = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      if (args[i].startsWith("--java=")) {
        builder.javaExecutable(java.nio.file.Path.of(args[i].substring("--java=".length())));
      } else if (args[i].equals("--no-pipelining")) {
        builder.pipelining(false);
      } else if (args[i].equals("--no-accounting")) {
        builder.jobAccounting(false);
      } else if (args[i].equals("--direct-callbacks")) {
        builder.callbackExecutor(Runnable::run);
      } else if (args[i].startsWith("--class-data=")) {
        builder.childClassDataDirectory(
            java.nio.file.Path.of(args[i].substring("--class-data=".length())));
      } else {
        options.add(args[i]);
      }
    }
    builder.childJvmOptions(options.toArray(String[]::new));
    double sleepMillis = WindowedLoad.measuredSleepMillis();
    long starting = System.nanoTime();
    try (ProcessPool pool = builder.start()) {
      long startMillis = (System.nanoTime() - starting) / 1_000_000;
      Job<byte[]> job =
          ms == 0
              ? Job.of("echo", new byte[0])
              : Job.of("sleep", Integer.toString(ms).getBytes(StandardCharsets.UTF_8));
      double jobsPerSec = WindowedLoad.rate(pool, job, WARMUP, JOBS);
      // Where each job's time went, from the master's view: its run (start to outcome) and the
      // part of it outside the handler (the child's work between jobs, the IPC, waiting for a CPU).
      PoolStatus status = pool.status().get();
      double perJob = 1000.0 / Math.max(1, status.completed());
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"contender\":\"procpool%s\",\"ms\":%d,\"protocol\":\"%s\",\"jobsPerSec\":%d,\"sleep1Millis\":%.3f,"
                  + "\"poolStartMillis\":%d,\"runMicrosPerJob\":%.1f,\"overheadMicrosPerJob\":%.1f}",
              variant.equals("default") ? "" : "-" + variant,
              ms,
              PROTOCOL,
              Math.round(jobsPerSec),
              sleepMillis,
              startMillis,
              status.time().runMillis() * perJob,
              status.time().overheadMillis() * perJob));
    }
  }
}
