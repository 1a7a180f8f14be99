package dev.procpool.bench.experiments;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.bench.WindowedLoad;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pipelining on and off, warmed up, in one JVM: 2 children, 128 jobs in flight, {@code args[0]}
 * interleaved rounds (default 3), each pool warmed with 200,000 no-op jobs, then 100,000 no-op and
 * 2,000 1 ms jobs measured. The master's JIT is warm for both after the first pool, so the rounds
 * compare the dispatch alone. Prints a Markdown table of medians and every round.
 */
public final class PipeliningAb {
  private static final int WARMUP = 200_000;
  private static final int NOOP_JOBS = 100_000;
  private static final int SLEEP_JOBS = 2_000;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    double sleep = WindowedLoad.measuredSleepMillis();
    List<List<double[]>> results = List.of(new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < 2; i++) {
        boolean pipelining = (round + i) % 2 == 1; // alternate which goes first
        results.get(pipelining ? 1 : 0).add(measure(pipelining));
      }
    }
    double ideal = 2 / (sleep / 1000);
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "| pipelining | warmed no-op jobs/s (median) | 1 ms jobs/s (median) | 1 ms vs ideal"
                    + " (2 / %.3f ms) | rounds (no-op) |%n|---|---:|---:|---:|---|%n",
                sleep));
    for (int v = 0; v < 2; v++) {
      List<double[]> rows = results.get(v);
      double noop = median(rows, 0);
      double oneMs = median(rows, 1);
      List<String> each = new ArrayList<>();
      for (double[] row : rows) {
        each.add(String.format(Locale.ROOT, "%,.0f", row[0]));
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f | %.0f%% | %s |%n",
              v == 1 ? "on" : "off",
              noop,
              oneMs,
              100 * oneMs / ideal,
              String.join(", ", each)));
    }
    System.out.print(out);
  }

  private static double[] measure(boolean pipelining) throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(2).name("ab").pipelining(pipelining).start()) {
      Job<byte[]> noop = Job.of("echo", new byte[0]);
      Job<byte[]> oneMs = Job.of("sleep", "1".getBytes(StandardCharsets.UTF_8));
      return new double[] {
        WindowedLoad.rate(pool, noop, WARMUP, NOOP_JOBS),
        WindowedLoad.rate(pool, oneMs, SLEEP_JOBS / 4, SLEEP_JOBS)
      };
    }
  }

  private static double median(List<double[]> rows, int column) {
    List<Double> values = new ArrayList<>();
    for (double[] row : rows) {
      values.add(row[column]);
    }
    values.sort(null);
    return values.get(values.size() / 2);
  }
}
