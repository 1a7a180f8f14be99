package dev.procpool.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's table per job type, read from the pool's Micrometer meters (the same ones {@code
 * /metrics} shows): jobs per second over the last sample interval, p50/p99 of wait and run (the
 * timers' own percentiles, decaying over a minute), failures by code since the start, and the mean
 * CPU time per job. Types are the meters' {@code type} tags, already bounded by the pool.
 *
 * <p>Sampled by one thread (the dashboard's sampler); not thread-safe.
 */
final class JobTypeTable {
  private final MeterRegistry registry;
  private final Map<String, Double> lastCompleted = new HashMap<>();
  private long lastNanos;

  JobTypeTable(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One row per type, by name; an empty list without a registry. */
  List<Map<String, Object>> sample() {
    if (registry == null) {
      return List.of();
    }
    long now = System.nanoTime();
    double seconds = lastNanos == 0 ? 0 : (now - lastNanos) / 1e9;
    lastNanos = now;
    Map<String, Map<String, Object>> rows = new TreeMap<>();
    for (Counter completed : registry.find("procpool.jobs.completed").counters()) {
      String type = completed.getId().getTag("type");
      double count = completed.count();
      Double before = lastCompleted.put(type, count);
      double rate = before == null || seconds <= 0 ? 0 : (count - before) / seconds;
      Map<String, Object> row = row(rows, type);
      row.put("completed", (long) count);
      row.put("jobsPerSecond", Math.round(rate * 10) / 10.0);
    }
    for (Timer timer : registry.find("procpool.jobs.wait").timers()) {
      percentiles(row(rows, timer.getId().getTag("type")), "wait", timer);
    }
    for (Timer timer : registry.find("procpool.jobs.run").timers()) {
      percentiles(row(rows, timer.getId().getTag("type")), "run", timer);
    }
    for (Timer timer : registry.find("procpool.jobs.cpu").timers()) {
      long jobs = timer.count();
      row(rows, timer.getId().getTag("type"))
          .put(
              "cpuMicrosPerJob",
              jobs == 0 ? 0 : Math.round(timer.totalTime(TimeUnit.MICROSECONDS) / jobs));
    }
    for (Counter failed : registry.find("procpool.jobs.failed").counters()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> byCode =
          (Map<String, Object>)
              row(rows, failed.getId().getTag("type"))
                  .computeIfAbsent("failures", k -> new TreeMap<String, Object>());
      byCode.put(failed.getId().getTag("code"), (long) failed.count());
    }
    return new ArrayList<>(rows.values());
  }

  private static Map<String, Object> row(Map<String, Map<String, Object>> rows, String type) {
    return rows.computeIfAbsent(
        type == null ? "?" : type,
        t -> {
          Map<String, Object> row = new java.util.LinkedHashMap<>();
          row.put("type", t);
          row.put("failures", new TreeMap<String, Object>());
          return row;
        });
  }

  private static void percentiles(Map<String, Object> row, String name, Timer timer) {
    for (ValueAtPercentile p : timer.takeSnapshot().percentileValues()) {
      long micros = Math.round(p.value(TimeUnit.MICROSECONDS));
      if (p.percentile() == 0.5) {
        row.put(name + "P50Micros", micros);
      } else if (p.percentile() == 0.99) {
        row.put(name + "P99Micros", micros);
      }
    }
  }
}
