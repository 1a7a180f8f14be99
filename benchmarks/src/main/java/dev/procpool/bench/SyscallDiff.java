package dev.procpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** Per-job system calls from two {@code strace -c} summaries: (long - short) / job difference. */
public final class SyscallDiff {
  public static void main(String[] args) throws IOException {
    Map<String, Long> shortRun = calls(Path.of(args[0]));
    Map<String, Long> longRun = calls(Path.of(args[1]));
    double jobs = Double.parseDouble(args[2]);
    Map<String, Double> perJob = new TreeMap<>();
    longRun.forEach(
        (name, count) -> perJob.put(name, (count - shortRun.getOrDefault(name, 0L)) / jobs));
    double total = 0;
    for (Map.Entry<String, Double> e : perJob.entrySet()) {
      if (e.getValue() >= 0.05) {
        System.out.printf("%-16s %6.2f per job%n", e.getKey(), e.getValue());
        total += e.getValue();
      }
    }
    System.out.printf("%-16s %6.2f per job%n", "all", total);
  }

  private static Map<String, Long> calls(Path summary) throws IOException {
    Map<String, Long> calls = new HashMap<>();
    for (String line : Files.readAllLines(summary)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length >= 5
          && parts[0].matches("[0-9.]+")
          && !parts[parts.length - 1].equals("total")) {
        calls.put(parts[parts.length - 1], Long.parseLong(parts[3]));
      }
    }
    return calls;
  }
}
