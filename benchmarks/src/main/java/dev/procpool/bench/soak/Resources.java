package dev.procpool.bench.soak;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Threads, open descriptors and heap in use after a full GC of one master process: this JVM (the
 * library's master) through its MXBeans, the {@code serve} process through {@code /proc} and {@code
 * jcmd}.
 */
record Resources(long threads, long fds, long heapKb) {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  static Resources self() throws IOException {
    System.gc();
    return new Resources(
        ManagementFactory.getThreadMXBean().getThreadCount(),
        fds(ProcessHandle.current().pid()),
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024);
  }

  static Resources of(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
    long heapKb = m.find() ? Long.parseLong(m.group(1)) : -1;
    long threads =
        Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
            .filter(l -> l.startsWith("Threads:"))
            .mapToLong(l -> Long.parseLong(l.substring(8).trim()))
            .findFirst()
            .orElse(-1);
    return new Resources(threads, fds(pid), heapKb);
  }

  private static long fds(long pid) throws IOException {
    try (var list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return list.count();
    }
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(List.of(jcmd.toString(), Long.toString(pid), command))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return out;
  }

  /** Flat: the last sample is within a margin of the first after warm-up. */
  static String grewBeyond(Resources early, Resources late) {
    if (late.threads - early.threads > 10) {
      return "threads " + early.threads + " -> " + late.threads;
    }
    if (late.fds - early.fds > 30) {
      return "descriptors " + early.fds + " -> " + late.fds;
    }
    if (late.heapKb - early.heapKb > 64 * 1024) {
      return "heap after GC " + early.heapKb + "K -> " + late.heapKb + "K";
    }
    return null;
  }

  @Override
  public String toString() {
    return "threads=" + threads + " fds=" + fds + " heap=" + (heapKb / 1024) + "MB";
  }
}
