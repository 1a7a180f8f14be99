package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wake-ups per no-op job, without a tracer in the way: every thread's voluntary context switches
 * (it blocked, and something woke it) over the measured window, read from {@code
 * /proc/<pid>/task/<tid>/status} in the master and both children, summed by thread kind, per job.
 * strace counts system calls too, but it stops the process at each one, which changes how many jobs
 * pile up between wake-ups, the very thing batching is about. Linux only.
 *
 * <p>Usage: {@code WakeUps [warm-up jobs, default 50000] [measured jobs, default 200000]
 * [--no-pipelining]}; 2 children, 128 in flight. Prints one JSON line.
 */
public final class WakeUps {
  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    var builder = ProcessPool.builder().children(2).name("wakeups");
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--no-pipelining")) {
        builder.pipelining(false);
      }
    }
    try (ProcessPool pool = builder.start()) {
      List<Long> children = new ArrayList<>();
      for (PoolStatus.Child child : pool.status().get().children()) {
        children.add(child.pid());
      }
      Job<byte[]> job = Job.of("echo", new byte[0]);
      WindowedLoad.run(pool, job, warmup);
      Map<String, Long> before = switches(children);
      long start = System.nanoTime();
      WindowedLoad.run(pool, job, jobs);
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Long> after = switches(children);
      StringBuilder json =
          new StringBuilder(
              String.format(Locale.ROOT, "{\"jobs\":%d,\"jobsPerSec\":%.0f", jobs, jobs / seconds));
      double all = 0;
      for (Map.Entry<String, Long> e : after.entrySet()) {
        double perJob = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / (double) jobs;
        all += perJob;
        json.append(String.format(Locale.ROOT, ",\"%s\":%.3f", e.getKey(), perJob));
      }
      json.append(String.format(Locale.ROOT, ",\"all\":%.3f}", all));
      System.out.println(json);
    }
  }

  /** Voluntary context switches by "process.kind" (kinds as in ColdProfile). */
  private static Map<String, Long> switches(List<Long> children) throws IOException {
    Map<String, Long> byKind = new TreeMap<>();
    add(Path.of("/proc/self/task"), "master", byKind);
    for (long pid : children) {
      add(Path.of("/proc/" + pid + "/task"), "children", byKind);
    }
    return byKind;
  }

  private static void add(Path tasks, String process, Map<String, Long> byKind) throws IOException {
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        String name = null;
        long voluntary = 0;
        try {
          for (String line : Files.readAllLines(thread.resolve("status"))) {
            if (line.startsWith("Name:")) {
              name = line.substring(5).trim();
            } else if (line.startsWith("voluntary_ctxt_switches:")) {
              voluntary = Long.parseLong(line.substring(24).trim());
            }
          }
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        if (name != null) {
          byKind.merge(process + "." + ColdProfile.kind(name), voluntary, Long::sum);
        }
      }
    }
  }
}
