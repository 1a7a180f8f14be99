package dev.procpool.bench.experiments;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.bench.InFlightWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What pipelining costs when few jobs are in flight: 2 children, 3, 4, 8 and 128 jobs in flight,
 * no-op and 1 ms jobs, pipelining off and on. With one job more in flight than children, a child
 * often frees while the other holds a job, and the held job is recalled (a skip request and its
 * answer on the control connection). Prints one Markdown row per case: jobs/s, jobs sent ahead,
 * recalls by outcome. A probe, not a ratio benchmark: one pool per row, in a row.
 */
public final class LowLoadRecalls {
  public static void main(String[] args) throws Exception {
    System.out.println(
        "| in flight | job | pipelining | jobs/s | sent ahead | recalled, skipped | recalled,"
            + " started |\n|---:|---|---|---:|---:|---:|---:|");
    for (int inFlight : new int[] {3, 4, 8, 128}) {
      for (boolean noop : new boolean[] {true, false}) {
        for (boolean pipelining : new boolean[] {false, true}) {
          row(inFlight, noop, pipelining);
        }
      }
    }
  }

  private static void row(int inFlight, boolean noop, boolean pipelining) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ProcessPool pool =
        ProcessPool.builder()
            .children(2)
            .name("recalls")
            .pipelining(pipelining)
            .meterRegistry(registry)
            .start()) {
      Job<byte[]> job =
          noop
              ? Job.of("echo", new byte[0])
              : Job.of("sleep", "1".getBytes(StandardCharsets.UTF_8));
      int jobs = noop ? 20_000 : 2_000;
      InFlightWindow window = new InFlightWindow(inFlight);
      long start = System.nanoTime();
      for (int i = 0; i < jobs; i++) {
        window.submit(() -> pool.submit(job));
      }
      window.drain();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "| %d | %s | %s | %,.0f | %,.0f | %,.0f | %,.0f |%n",
          inFlight,
          noop ? "no-op" : "1 ms",
          pipelining ? "on" : "off",
          jobs / seconds,
          count(registry.find("procpool.jobs.sent.ahead").counter()),
          count(registry.find("procpool.jobs.recalled").tag("outcome", "skipped").counter()),
          count(registry.find("procpool.jobs.recalled").tag("outcome", "started").counter()));
    }
  }

  private static double count(Counter counter) {
    return counter == null ? 0 : counter.count();
  }
}
