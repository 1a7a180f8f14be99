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
 * Reads the JSON lines {@code benchmarks/peers/run.sh} collected (every contender, every mode,
 * every round), takes the medians, and writes a Markdown table (args[1]) and a bar chart PNG
 * (args[2]): jobs/s side by side, and 1 ms jobs as a share of the ideal from procpool's own
 * measured {@code Thread.sleep(1)}.
 */
public final class PeersReport {
  public static void main(String[] args) throws Exception {
    Map<String, Map<Integer, List<Double>>> rates = new LinkedHashMap<>();
    List<Double> sleeps = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (!line.startsWith("{")) {
        continue;
      }
      Map<String, Object> row = JSON.std.mapFrom(line);
      String contender = (String) row.get("contender");
      int ms = ((Number) row.get("ms")).intValue();
      rates
          .computeIfAbsent(contender, k -> new LinkedHashMap<>())
          .computeIfAbsent(ms, k -> new ArrayList<>())
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
            "Medians of %d interleaved rounds; ideal for 1 ms jobs = 2 / measured Thread.sleep(1) = 2 / %.3f ms = %.0f jobs/s.%n%n",
            rates.values().stream()
                .flatMap(byMode -> byMode.values().stream())
                .mapToInt(List::size)
                .max()
                .orElse(0),
            sleep,
            ideal));
    table.append(
        "| contender | no-op jobs/s | 1 ms jobs/s | 1 ms vs ideal |\n|---|---:|---:|---:|\n");
    List<String> names = new ArrayList<>(rates.keySet());
    List<Double> noop = new ArrayList<>();
    List<Double> oneMs = new ArrayList<>();
    for (String name : names) {
      double a = median(rates.get(name).getOrDefault(0, List.of(0.0)));
      double b = median(rates.get(name).getOrDefault(1, List.of(0.0)));
      noop.add(a);
      oneMs.add(b);
      table.append(
          String.format(
              Locale.ROOT, "| %s | %,.0f | %,.0f | %.0f%% |%n", name, a, b, 100 * b / ideal));
    }
    table.append(targets(names, noop, oneMs, ideal));
    Files.writeString(Path.of(args[1]), table.toString());
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(900)
            .height(420)
            .title("No-op jobs/s, peers' protocol (medians)")
            .xAxisTitle("contender")
            .yAxisTitle("jobs/s")
            .build();
    chart.addSeries("no-op", names, noop);
    BitmapEncoder.saveBitmap(chart, args[2], BitmapEncoder.BitmapFormat.PNG);
    System.out.print(table);
  }

  /** Issue 11's targets for procpool, as ratios against the peers measured in the same run. */
  private static String targets(
      List<String> names, List<Double> noop, List<Double> oneMs, double ideal) {
    int fork = names.indexOf("fork");
    if (fork < 0) {
      return "";
    }
    double fastestThreads = 0;
    for (String threads : List.of("piscina", "qoper8-wt")) {
      int i = names.indexOf(threads);
      if (i >= 0) {
        fastestThreads = Math.max(fastestThreads, noop.get(i));
      }
    }
    StringBuilder lines = new StringBuilder();
    for (int us = 0; us < names.size(); us++) {
      if (names.get(us).startsWith("procpool")) {
        lines.append(
            String.format(
                Locale.ROOT,
                "%nTargets, %s: no-op %.2fx the Node fork pool (target 1.5x), %.2fx the fastest"
                    + " worker-thread pool (target 1.0x); 1 ms jobs at %.0f%% of the ideal (target"
                    + " 97%%).%n",
                names.get(us),
                noop.get(us) / noop.get(fork),
                fastestThreads == 0 ? 0 : noop.get(us) / fastestThreads,
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
