package dev.procpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the report of one run.sh run (JMH's CSV, the HTTP/library lines and the cold lines) as
 * Markdown; run.sh puts it, with ANALYSIS.md and its other sections, into RESULTS.md as its block
 * ({@link ResultsBlock}). Usage: {@code ResultsReport <results dir> <report.md>}.
 */
public final class ResultsReport {
  private final List<Map<String, String>> rows = new ArrayList<>();
  private final Map<String, Map<String, String>> lines = new LinkedHashMap<>();

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    ResultsReport report = new ResultsReport();
    try (var csvs = Files.list(dir)) {
      for (Path csv :
          (Iterable<Path>) csvs.filter(f -> f.toString().endsWith(".csv")).sorted()::iterator) {
        report.readCsv(csv); // jmh.csv, startup.csv, and any single re-run saved beside them
      }
    }
    report.readLines(dir.resolve("http.txt"));
    report.readLines(dir.resolve("cold.txt"));
    Files.writeString(Path.of(args[1]), report.markdown(), StandardCharsets.UTF_8);
  }

  private void readCsv(Path csv) throws IOException {
    List<String> all = Files.readAllLines(csv, StandardCharsets.UTF_8);
    List<String> header = split(all.get(0));
    for (String line : all.subList(1, all.size())) {
      List<String> cells = split(line);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.size() && i < cells.size(); i++) {
        row.put(header.get(i), cells.get(i));
      }
      rows.add(row);
    }
  }

  private void readLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.trim().split("\\s+");
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].split("=", 2);
        values.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
      lines.put(parts[0], values);
    }
  }

  private static List<String> split(String line) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        cells.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    cells.add(cell.toString());
    return cells;
  }

  /**
   * The score of the row whose benchmark name ends with {@code name} and whose params match; NaN
   * (shown as "n/a", its target line as dropped) if there is none or its error bar exceeds it.
   */
  private double score(String name, String... params) {
    Map<String, String> row = row(name, params);
    return row == null || noisy(row) ? Double.NaN : Double.parseDouble(row.get("Score"));
  }

  /** A figure whose 99.9% error bar is larger than itself says nothing: it is dropped. */
  private static boolean noisy(Map<String, String> row) {
    String e = row.get("Score Error (99.9%)");
    return e != null
        && !e.isEmpty()
        && !e.equals("NaN")
        && Double.parseDouble(e) >= Double.parseDouble(row.get("Score"));
  }

  private Map<String, String> row(String name, String... params) {
    outer:
    for (Map<String, String> row : rows) {
      if (!row.get("Benchmark").endsWith(name)) {
        continue;
      }
      for (int i = 0; i < params.length; i += 2) {
        if (!params[i + 1].equals(row.get("Param: " + params[i]))) {
          continue outer;
        }
      }
      return row;
    }
    return null;
  }

  private double line(String name, String key) {
    Map<String, String> values = lines.get(name);
    return values == null || !values.containsKey(key)
        ? Double.NaN
        : Double.parseDouble(values.get(key));
  }

  private String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# procpool benchmark results\n\n");
    md.append("Written by `benchmarks/run.sh` on ")
        .append(LocalDate.now())
        .append(". Machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs (")
        .append(cpuModel())
        .append("), ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.version"))
        .append(
            ". One fork (three for DatabaseBenchmark), short iterations (see run.sh): read the ±"
                + " columns; a figure whose ± exceeds it is dropped; on this shared machine\n")
        .append(
            "runs differ by 10-40%. Figures, not assertions: nothing here is checked by the test suite.\n\n");

    md.append(
        "## All JMH figures\n\n| benchmark | params | mode | score | ± (99.9%) | unit |\n|---|---|---|---:|---:|---|\n");
    for (Map<String, String> row : rows) {
      StringBuilder params = new StringBuilder();
      row.forEach(
          (k, v) -> {
            if (k.startsWith("Param: ") && !v.isEmpty()) {
              params.append(k.substring(7)).append('=').append(v).append(' ');
            }
          });
      String name = row.get("Benchmark").replace("dev.procpool.bench.", "");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s |%n",
              name,
              params.toString().trim(),
              row.get("Mode"),
              noisy(row)
                  ? "dropped: ± exceeds it"
                  : String.format(Locale.ROOT, "%.1f", Double.parseDouble(row.get("Score"))),
              error(row),
              row.get("Unit")));
    }

    double pool2 = score("PoolThroughputBenchmark.echo", "children", "2");
    double uds2 = score("UdsPingPongBenchmark.twoPairs");
    double uds1 = score("UdsPingPongBenchmark.onePair");
    double inProcess = score("InProcessBaselineBenchmark.echo");
    double sleepJobs = score("SleepBenchmark.sleep1ms");
    double sleepCost = score("SleepBenchmark.sleepCostInProcess");
    double ideal = 2 * 1000 / sleepCost;
    double p50 = score("LatencyBenchmark.oneJobInFlight:p0.50", "callbacks", "pool");
    double p99 = score("LatencyBenchmark.oneJobInFlight:p0.99", "callbacks", "pool");
    double p999 = score("LatencyBenchmark.oneJobInFlight:p0.999", "callbacks", "pool");
    double directP50 = score("LatencyBenchmark.oneJobInFlight:p0.50", "callbacks", "direct");
    double http = line("http", "per_second");
    double library = line("library", "per_second");
    double cold = line("cold", "per_second");

    md.append(
        "\n## Ratios and targets\n\n| what | figure | target | where it stands |\n|---|---|---|---|\n");
    target(md, "no-op jobs/s, 2 children, warmed up", f(pool2), ">= 80,000", pool2 >= 80_000);
    target(
        md,
        "pool (2 children) / raw UDS ping-pong, 2 pairs",
        pct(pool2 / uds2),
        "~40%",
        pool2 / uds2 >= 0.40);
    md.append("| pool (2 children) / raw UDS, 1 pair | ")
        .append(pct(pool2 / uds1))
        .append(" | | |\n");
    md.append("| pool (2 children) / in-process ThreadPoolExecutor(2) | ")
        .append(pct(pool2 / inProcess))
        .append(" | | the price of isolation |\n");
    target(
        md,
        "cold: 10,000 jobs after 2,000 warm-up, fresh JVM",
        f(cold) + " jobs/s",
        ">= 45,000",
        cold >= 45_000);
    target(
        md,
        "per-job round trip p50 / p99 / p99.9 (echo, 1 in flight)",
        String.format(Locale.ROOT, "%.1f / %.1f / %.1f µs", p50, p99, p999),
        "p50 <= 25 µs",
        p50 <= 25);
    md.append(
        String.format(
            Locale.ROOT,
            "| p50 with callbackExecutor(Runnable::run) (completing on the event loop) | %.1f µs | | one thread hand-off fewer |%n",
            directP50));
    target(
        md,
        "1 ms jobs, 2 children, vs ideal 2 x 1000 / "
            + String.format(Locale.ROOT, "%.3f", sleepCost)
            + " ms",
        f(sleepJobs) + " jobs/s = " + pct(sleepJobs / ideal),
        ">= 97%",
        sleepJobs / ideal >= 0.97);
    for (String db : List.of("h2", "postgres")) {
      double viaPool = score("DatabaseBenchmark.transfer", "db", db, "path", "pool");
      double direct = score("DatabaseBenchmark.transfer", "db", db, "path", "inprocess");
      target(
          md,
          "ledger transfer on " + db + ": pool / in-process HikariCP(2)",
          f(viaPool) + " / " + f(direct) + " tx/s = " + pct(viaPool / direct),
          ">= 90%",
          viaPool / direct >= 0.90);
    }
    for (String n : List.of("1", "2")) {
      double plain =
          score("StartupBenchmark.startPool", "children", n, "appCds", "false", "childJdk", "own");
      double cds =
          score("StartupBenchmark.startPool", "children", n, "appCds", "true", "childJdk", "own");
      String goal = n.equals("1") ? "<= 120 ms" : "<= 200 ms";
      double limit = n.equals("1") ? 120 : 200;
      target(
          md,
          "pool of " + n + " from start() to all ready: plain / AppCDS",
          String.format(Locale.ROOT, "%.0f / %.0f ms", plain, cds),
          goal,
          Math.min(plain, cds) <= limit);
    }
    double aot =
        score("StartupBenchmark.startPool", "children", "2", "appCds", "true", "childJdk", "25");
    if (!Double.isNaN(aot)) {
      target(
          md,
          "pool of 2 from start() to all ready, children on JDK 25 with their AOT cache",
          String.format(Locale.ROOT, "%.0f ms", aot),
          "<= 150 ms",
          aot <= 150);
    }
    target(
        md,
        "HTTP keep-alive echo / library path, same concurrency ("
            + (int) line("http", "concurrency")
            + ")",
        f(http) + " / " + f(library) + " req/s = " + pct(http / library),
        ">= 50%",
        http / library >= 0.5);
    md.append(
        String.format(
            Locale.ROOT,
            "| HTTP latency p50 / p99 / p99.9 | %.0f / %.0f / %.0f µs | | |%n",
            line("http", "p50_us"),
            line("http", "p99_us"),
            line("http", "p999_us")));
    md.append(
        String.format(
            Locale.ROOT,
            "| library latency p50 / p99 / p99.9 (same load) | %.0f / %.0f / %.0f µs | | |%n",
            line("library", "p50_us"),
            line("library", "p99_us"),
            line("library", "p999_us")));
    double fresh = score("FreshJvmBenchmark.jvmPerJob");
    md.append(
        String.format(
            Locale.ROOT,
            "| a fresh JVM per job | %.1f ms per job = %.0f jobs/s | | what the persistent pool avoids |%n",
            fresh,
            1000 / fresh));
    return md.toString();
  }

  private static void target(
      StringBuilder md, String what, String figure, String goal, boolean met) {
    md.append("| ")
        .append(what)
        .append(" | ")
        .append(figure)
        .append(" | ")
        .append(goal)
        .append(" | ")
        .append(
            figure.contains("n/a")
                ? "no figure: missing, or dropped for an error bar larger than it"
                : met ? "met" : "not met")
        .append(" |\n");
  }

  private static String error(Map<String, String> row) {
    String e = row.get("Score Error (99.9%)");
    return e == null || e.isEmpty() || e.equals("NaN")
        ? ""
        : String.format(Locale.ROOT, "%.1f", Double.parseDouble(e));
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", v * 100);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it out
    }
    return "unknown CPU";
  }
}
