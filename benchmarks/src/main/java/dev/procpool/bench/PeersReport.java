package dev.procpool.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Reads the JSON lines {@code benchmarks/peers/run.sh} collected (every contender, every protocol
 * and job length, every round), takes the medians, and writes a Markdown table (args[1]) and a bar
 * chart PNG (args[2]): jobs/s side by side, and 1 ms jobs as a share of the ideal from procpool's
 * own measured {@code Thread.sleep(1)}.
 */
public final class PeersReport {
  /** Where a row goes: its protocol and job length, e.g. "cold 0" or "steady 0". */
  private static final String COLD_NOOP = "cold 0";

  private static final String COLD_1MS = "cold 1";
  private static final String STEADY_NOOP = "steady 0";

  public static void main(String[] args) throws Exception {
    Map<String, Map<String, List<Double>>> rates = new LinkedHashMap<>();
    List<Double> sleeps = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (!line.startsWith("{")) {
        continue;
      }
      Map<String, Object> row = JSON.std.mapFrom(line);
      String contender = (String) row.get("contender");
      int ms = ((Number) row.get("ms")).intValue();
      Object protocol = row.getOrDefault("protocol", "cold");
      rates
          .computeIfAbsent(contender, k -> new LinkedHashMap<>())
          .computeIfAbsent(protocol + " " + ms, k -> new ArrayList<>())
          .add(((Number) row.get("jobsPerSec")).doubleValue());
      if (row.get("sleep1Millis") != null) {
        sleeps.add(((Number) row.get("sleep1Millis")).doubleValue());
      }
    }
    double sleep = sleeps.isEmpty() ? 1.0 : median(sleeps);
    double ideal = 2 / (sleep / 1000);
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "Medians of %d interleaved rounds. Cold: a fresh process, 2,000 warm-up jobs, 10,000"
                + " measured; steady: 50,000 warm-up, 200,000 measured; 2 workers, 128 in flight."
                + " Ideal for 1 ms jobs = 2 / measured Thread.sleep(1) = 2 / %.3f ms = %.0f"
                + " jobs/s.%n%n",
            rates.values().stream()
                .flatMap(byMode -> byMode.values().stream())
                .mapToInt(List::size)
                .max()
                .orElse(0),
            sleep,
            ideal));
    table.append(
        "| contender | cold no-op jobs/s | cold 1 ms jobs/s | 1 ms vs ideal | steady no-op jobs/s"
            + " |\n|---|---:|---:|---:|---:|\n");
    List<String> names = new ArrayList<>(rates.keySet());
    List<Double> noop = new ArrayList<>();
    List<Double> oneMs = new ArrayList<>();
    List<Double> steady = new ArrayList<>();
    for (String name : names) {
      double a = median(rates.get(name).getOrDefault(COLD_NOOP, List.of(0.0)));
      double b = median(rates.get(name).getOrDefault(COLD_1MS, List.of(0.0)));
      double c = median(rates.get(name).getOrDefault(STEADY_NOOP, List.of(0.0)));
      noop.add(a);
      oneMs.add(b);
      steady.add(c);
      table.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f | %.0f%% | %s |%n",
              name,
              a,
              b,
              100 * b / ideal,
              c == 0 ? "" : String.format(Locale.ROOT, "%,.0f", c)));
    }
    table.append(targets(names, noop, oneMs, steady, ideal));
    Files.writeString(Path.of(args[1]), table.toString());
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(900)
            .height(420)
            .title("No-op jobs/s, peers' protocols (medians)")
            .xAxisTitle("contender")
            .yAxisTitle("jobs/s")
            .build();
    chart.addSeries("cold", names, noop);
    if (steady.stream().anyMatch(v -> v > 0)) {
      chart.addSeries("steady", names, steady);
    }
    BitmapEncoder.saveBitmap(chart, args[2], BitmapEncoder.BitmapFormat.PNG);
    System.out.print(table);
  }

  /**
   * Issue 22's targets for procpool, as ratios against the peers measured in the same run: steady
   * no-op >= 1.5x the fastest peer, cold no-op >= 1.3x the Node fork pool, 1 ms >= 97% of ideal.
   */
  private static String targets(
      List<String> names,
      List<Double> noop,
      List<Double> oneMs,
      List<Double> steady,
      double ideal) {
    int fork = names.indexOf("fork");
    if (fork < 0) {
      return "";
    }
    double fastestCold = 0;
    double fastestSteady = 0;
    for (int i = 0; i < names.size(); i++) {
      if (!names.get(i).startsWith("procpool")) {
        fastestCold = Math.max(fastestCold, noop.get(i));
        fastestSteady = Math.max(fastestSteady, steady.get(i));
      }
    }
    StringBuilder lines = new StringBuilder();
    for (int us = 0; us < names.size(); us++) {
      if (names.get(us).startsWith("procpool")) {
        lines.append(
            String.format(
                Locale.ROOT,
                "%nTargets, %s: steady no-op %.2fx the fastest peer (target 1.5x); cold no-op"
                    + " %.2fx the Node fork pool (target 1.3x) and %.2fx the fastest peer; 1 ms"
                    + " jobs at %.0f%% of the ideal (target 97%%).%n",
                names.get(us),
                fastestSteady == 0 ? 0 : steady.get(us) / fastestSteady,
                noop.get(us) / noop.get(fork),
                fastestCold == 0 ? 0 : noop.get(us) / fastestCold,
                100 * oneMs.get(us) / ideal));
      }
    }
    return lines.toString();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
