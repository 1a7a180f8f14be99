package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.testing.Outcomes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/grafana/procpool.json cannot drift from the meters: every metric its queries name appears in
 * the Prometheus output ({@code GET /metrics} serves this registry's scrape) after jobs ran, failed
 * and a child died.
 */
class GrafanaDashboardIT {
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "procpool.json");
  private static final Pattern METRIC = Pattern.compile("\\bprocpool_[a-z0-9_]+");

  @Test
  void everyMetricTheDashboardQueries_appearsInMetricsAfterLoad() throws Exception {
    Set<String> queried = new TreeSet<>();
    for (String expr : expressions(JSON.std.mapFrom(Files.readString(DASHBOARD)))) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        queried.add(m.group());
      }
    }
    assertTrue(queried.size() >= 10, "the dashboard queries the pool's meters: " + queried);

    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ProcessPool pool =
        ProcessPool.builder().name("grafana").children(2).meterRegistry(prometheus).start()) {
      for (int i = 0; i < 20; i++) {
        pool.submit(Job.of("echo", new byte[] {1})).get(60, TimeUnit.SECONDS);
      }
      Outcomes.failure(pool.submit(Job.of("throw", Outcomes.utf8("no"))), FailureCode.JOB_FAILED);
      Outcomes.failure(pool.submit(Job.of("exit", Outcomes.utf8("3"))), FailureCode.CHILD_CRASHED);
      String metrics = prometheus.scrape();
      Set<String> exposed = new TreeSet<>();
      for (String line : metrics.split("\n")) {
        if (!line.startsWith("#")) {
          Matcher m = Pattern.compile("^([a-z0-9_]+)").matcher(line);
          if (m.find()) {
            exposed.add(m.group(1));
          }
        }
      }
      Set<String> missing = new TreeSet<>(queried);
      missing.removeAll(exposed);
      assertEquals(Set.of(), missing, "queried by the dashboard but not in /metrics: " + exposed);
    }
    assertTrue(
        new String(Files.readAllBytes(DASHBOARD), StandardCharsets.UTF_8).contains("DS_PROMETHEUS"),
        "importable: the data source is an input");
  }

  /** Every {@code expr} in the panels' targets and every templating query. */
  @SuppressWarnings("unchecked")
  private static List<String> expressions(Map<String, Object> dashboard) {
    List<String> all = new java.util.ArrayList<>();
    for (Object panel : (List<Object>) dashboard.get("panels")) {
      for (Object target : (List<Object>) ((Map<String, Object>) panel).get("targets")) {
        all.add((String) ((Map<String, Object>) target).get("expr"));
      }
    }
    for (Object variable :
        (List<Object>) ((Map<String, Object>) dashboard.get("templating")).get("list")) {
      all.add((String) ((Map<String, Object>) variable).get("definition"));
    }
    return all;
  }
}
