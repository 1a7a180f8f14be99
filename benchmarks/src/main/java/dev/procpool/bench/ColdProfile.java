package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the CPU of a fresh pool's first 12,000 no-op jobs goes (the peers' protocol: 2 children,
 * 2,000 warm-up + 10,000 measured, 128 in flight): each thread's CPU time over that window, read
 * from {@code /proc}, summed by kind (the master's event loop, its C1 and C2 compiler threads, GC,
 * the children's job threads, ...), for the master and the two children. Linux only. Prints one
 * JSON line; {@code benchmarks/cold-profile.sh} runs it several times and prints medians.
 */
public final class ColdProfile {
  private static final int WORKERS = 2;
  private static final int WARMUP = 2_000;
  private static final int JOBS = 10_000;

  public static void main(String[] args) throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(WORKERS).name("cold").start()) {
      List<Long> pids = new ArrayList<>();
      for (PoolStatus.Child child : pool.status().get().children()) {
        pids.add(child.pid());
      }
      Map<String, Long> before = cpuByKind(pids);
      Map<String, Long> allocatedBefore = allocatedByKind();
      long start = System.nanoTime();
      WindowedLoad.run(pool, Job.of("echo", new byte[0]), WARMUP);
      WindowedLoad.run(pool, Job.of("echo", new byte[0]), JOBS);
      long wallMillis = (System.nanoTime() - start) / 1_000_000;
      Map<String, Long> after = cpuByKind(pids);
      Map<String, Long> allocatedAfter = allocatedByKind();
      StringBuilder json = new StringBuilder();
      json.append(
          String.format(Locale.ROOT, "{\"jobs\":%d,\"wallMillis\":%d", WARMUP + JOBS, wallMillis));
      for (Map.Entry<String, Long> e : after.entrySet()) {
        long millis = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        json.append(",\"").append(e.getKey()).append("\":").append(millis);
      }
      // Bytes the master's threads allocated per job over the window (not CPU: the script divides
      // every key by the jobs, so these come out as bytes per job).
      for (Map.Entry<String, Long> e : allocatedAfter.entrySet()) {
        long bytes = e.getValue() - allocatedBefore.getOrDefault(e.getKey(), 0L);
        json.append(",\"").append(e.getKey()).append("\":").append(bytes);
      }
      System.out.println(json.append('}'));
    }
  }

  /** Bytes allocated so far by the master's live threads, by "alloc.master.kind". */
  private static Map<String, Long> allocatedByKind() {
    Map<String, Long> byKind = new LinkedHashMap<>();
    var threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      long bytes = threads.getThreadAllocatedBytes(thread.getId());
      if (bytes > 0) {
        byKind.merge("alloc.master." + kind(thread.getName()), bytes, Long::sum);
      }
    }
    return byKind;
  }

  /** CPU milliseconds of every thread of this JVM and of the children, summed by kind. */
  private static Map<String, Long> cpuByKind(List<Long> childPids) throws IOException {
    Map<String, Long> byKind = new LinkedHashMap<>();
    addThreads(Path.of("/proc/self/task"), "master", byKind);
    for (long pid : childPids) {
      addThreads(Path.of("/proc/" + pid + "/task"), "children", byKind);
    }
    return byKind;
  }

  private static void addThreads(Path tasks, String process, Map<String, Long> byKind)
      throws IOException {
    Map<String, Long> ticks = new HashMap<>();
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        String stat;
        try {
          stat = Files.readString(thread.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name
        long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        ticks.merge(process + "." + kind(name), used, Long::sum);
      }
    }
    // /proc counts in clock ticks, 100 per second on Linux
    ticks.forEach((kind, t) -> byKind.merge(kind, t * 10, Long::sum));
  }

  static String kind(String threadName) {
    if (threadName.startsWith("C2 Compiler")) {
      return "c2";
    }
    if (threadName.startsWith("C1 Compiler")) {
      return "c1";
    }
    if (threadName.startsWith("G1") || threadName.startsWith("GC")) {
      return "gc";
    }
    if (threadName.contains("-loop-")) {
      return "loop";
    }
    if (threadName.equals("java") || threadName.equals("main")) {
      return "main";
    }
    if (threadName.startsWith("ForkJoinPool")) {
      return "callbacks";
    }
    return "other";
  }
}
