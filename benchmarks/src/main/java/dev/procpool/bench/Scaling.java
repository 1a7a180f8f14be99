package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * No-op and 1 ms jobs with 1, 2, 4 and 8 children (128 in flight, after a warm-up), and the
 * master's CPU per job: its event loop thread's CPU time over the jobs. The loop is the one thread
 * every job passes through, so 1 / (loop CPU per job) is the most one master can dispatch, whatever
 * the cores: its saturation point. Writes a Markdown table (args[0]) and a chart (args[1]).
 */
public final class Scaling {

  public static void main(String[] args) throws Exception {
    int[] sizes = {1, 2, 4, 8};
    StringBuilder table =
        new StringBuilder(
            "| children | no-op jobs/s | loop CPU per no-op job | 1 ms jobs/s | 1 ms vs ideal |\n|---:|---:|---:|---:|---:|\n");
    List<Double> xs = new ArrayList<>();
    List<Double> noops = new ArrayList<>();
    List<Double> sleeps = new ArrayList<>();
    double sleep = WindowedLoad.measuredSleepMillis();
    double bestSaturation = 0;
    for (int children : sizes) {
      try (ProcessPool pool = ProcessPool.builder().children(children).name("scaling").start()) {
        Job<byte[]> noop = Job.of("echo", new byte[0]);
        WindowedLoad.run(pool, noop, 20_000);
        long cpuBefore = loopCpuNanos();
        long start = System.nanoTime();
        WindowedLoad.run(pool, noop, 50_000);
        double rate = 50_000 / ((System.nanoTime() - start) / 1e9);
        double cpuPerJob = (loopCpuNanos() - cpuBefore) / 50_000.0;
        bestSaturation = Math.max(bestSaturation, 1e9 / cpuPerJob);
        Job<byte[]> oneMs = Job.of("sleep", "1".getBytes(StandardCharsets.UTF_8));
        int jobs = 1_000 * children;
        WindowedLoad.run(pool, oneMs, jobs / 5);
        start = System.nanoTime();
        WindowedLoad.run(pool, oneMs, jobs);
        double rate1 = jobs / ((System.nanoTime() - start) / 1e9);
        double ideal = children / (sleep / 1000);
        table.append(
            String.format(
                Locale.ROOT,
                "| %d | %,.0f | %.1f µs | %,.0f | %.0f%% |%n",
                children,
                rate,
                cpuPerJob / 1000,
                rate1,
                100 * rate1 / ideal));
        xs.add((double) children);
        noops.add(rate);
        sleeps.add(rate1);
      }
    }
    table.append(
        String.format(
            Locale.ROOT,
            "%nMaster saturation point (1 / lowest loop CPU per job): about %,.0f jobs/s. On a 16- or 64-core host, "
                + "one master dispatches no more than that, however many children; past it, run several pools.%n",
            bestSaturation));
    Files.writeString(Path.of(args[0]), table.toString());
    XYChart chart =
        new XYChartBuilder()
            .width(800)
            .height(400)
            .title("Scaling with children (2 cores)")
            .xAxisTitle("children")
            .yAxisTitle("jobs/s")
            .build();
    chart.addSeries("no-op", xs, noops);
    chart.addSeries("1 ms jobs", xs, sleeps);
    BitmapEncoder.saveBitmap(chart, args[1], BitmapEncoder.BitmapFormat.PNG);
    System.out.print(table);
  }

  /** CPU time of the pool's event loop thread(s), by name. */
  private static long loopCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("scaling-loop")) {
        total += Math.max(0, threads.getThreadCpuTime(thread.getId()));
      }
    }
    return total;
  }
}
