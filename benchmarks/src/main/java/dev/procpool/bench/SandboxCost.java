package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.Sandbox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What the sandbox costs (issue 20): a pool of 2 from {@code start()} to both children ready, and
 * no-op throughput (2k warm-up, 10k measured, 128 in flight), sandbox off and on, in alternating
 * rounds so both see the same machine. Prints a markdown block with medians and on/off ratios.
 *
 * <pre>{@code
 * ./mvnw -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.procpool.bench.SandboxCost 5
 * }</pre>
 */
public final class SandboxCost {
  private static final int WARMUP = 2_000;
  private static final int MEASURED = 10_000;
  private static final int IN_FLIGHT = 128;

  private SandboxCost() {}

  /** The arms: no sandbox; no sandbox with the sandbox's heap sizing; the strict sandbox. */
  private static final String[] ARMS = {"off", "off+MaxRAM", "on"};

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<List<Double>> starts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    String limits = "";
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < ARMS.length; k++) {
        int arm = (round + k) % ARMS.length; // rotate the order: no arm always runs first
        var builder = ProcessPool.builder().children(2);
        if (arm == 1) {
          builder.childJvmOptions("-XX:MaxRAM=" + Sandbox.strict().memoryBytes());
        } else if (arm == 2) {
          builder.sandbox(Sandbox.strict());
        }
        long began = System.nanoTime();
        try (ProcessPool pool = builder.start()) {
          double startMillis = (System.nanoTime() - began) / 1e6;
          run(pool, WARMUP);
          long t0 = System.nanoTime();
          run(pool, MEASURED);
          double rate = MEASURED / ((System.nanoTime() - t0) / 1e9);
          starts.get(arm).add(startMillis);
          rates.get(arm).add(rate);
          if (arm == 2) {
            limits = pool.status().get(30, TimeUnit.SECONDS).sandbox().get("limits");
          }
          System.err.printf(
              "round %d %s: start %.0f ms, %.0f jobs/s%n", round + 1, ARMS[arm], startMillis, rate);
        }
      }
    }
    double so = median(starts.get(0));
    double sm = median(starts.get(1));
    double sn = median(starts.get(2));
    double ro = median(rates.get(0));
    double rm = median(rates.get(1));
    double rn = median(rates.get(2));
    System.out.println("| | off | off, -XX:MaxRAM as sandboxed | on | on / off |");
    System.out.println("|---|---:|---:|---:|---:|");
    System.out.printf(
        "| pool of 2, start() until both ready | %.0f ms | %.0f ms | %.0f ms | %.2fx |%n",
        so, sm, sn, sn / so);
    System.out.printf(
        "| no-op jobs/s (2k warm-up, 10k, 128 in flight) | %,.0f | %,.0f | %,.0f | %.2fx |%n",
        ro, rm, rn, rn / ro);
    System.out.println();
    System.out.println("Medians of " + rounds + " rotating rounds. Sandbox limits: " + limits);
  }

  private static void run(ProcessPool pool, int jobs) throws Exception {
    Semaphore window = new Semaphore(IN_FLIGHT);
    CompletableFuture<?>[] all = new CompletableFuture<?>[jobs];
    for (int i = 0; i < jobs; i++) {
      window.acquire();
      all[i] =
          pool.submit(Job.of("echo", Payloads.ECHO_64)).whenComplete((r, e) -> window.release());
    }
    CompletableFuture.allOf(all).get(120, TimeUnit.SECONDS);
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
