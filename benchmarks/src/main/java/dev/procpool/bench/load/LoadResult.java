package dev.procpool.bench.load;

import java.util.Arrays;
import java.util.List;

/** Requests done in a measured window, with latency percentiles. */
record LoadResult(
    String name,
    int concurrency,
    long requests,
    long errors,
    double seconds,
    long[] sortedLatencyNanos) {

  static LoadResult of(
      String name, int concurrency, List<long[]> perThread, long errors, double seconds) {
    int total = perThread.stream().mapToInt(a -> a.length).sum();
    long[] all = new long[total];
    int at = 0;
    for (long[] part : perThread) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    Arrays.sort(all);
    return new LoadResult(name, concurrency, total, errors, seconds, all);
  }

  double perSecond() {
    return requests / seconds;
  }

  double percentileMicros(double p) {
    if (sortedLatencyNanos.length == 0) {
      return Double.NaN;
    }
    int index =
        (int) Math.min(sortedLatencyNanos.length - 1, Math.ceil(p * sortedLatencyNanos.length) - 1);
    return sortedLatencyNanos[Math.max(0, index)] / 1000.0;
  }

  /** One line, {@code key=value} pairs, for run.sh and the report. */
  String line() {
    return String.format(
        "%s concurrency=%d requests=%d errors=%d seconds=%.1f per_second=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f",
        name,
        concurrency,
        requests,
        errors,
        seconds,
        perSecond(),
        percentileMicros(0.50),
        percentileMicros(0.99),
        percentileMicros(0.999));
  }
}
