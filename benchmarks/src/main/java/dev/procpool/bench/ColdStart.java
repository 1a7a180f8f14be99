package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The cold number: a fresh JVM starts a pool of 2 children, runs 2,000 echo jobs of warm-up, then
 * times 10,000 more (64 in flight; the second argument changes that count). JIT warm-up dominates
 * here, unlike the JMH figures. Appends one line to the file given as the first argument.
 */
public final class ColdStart {
  public static void main(String[] args) throws Exception {
    long spawn = System.nanoTime();
    try (ProcessPool pool = ProcessPool.builder().children(2).queueCapacity(100_000).start()) {
      long ready = System.nanoTime();
      Job<byte[]> job = Job.of("echo", Payloads.ECHO_64);
      InFlightWindow window = new InFlightWindow(64);
      for (int i = 0; i < 2_000; i++) {
        window.submit(() -> pool.submit(job));
      }
      window.drain();
      int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
      long start = System.nanoTime();
      for (int i = 0; i < jobs; i++) {
        window.submit(() -> pool.submit(job));
      }
      window.drain();
      double seconds = (System.nanoTime() - start) / 1e9;
      String line =
          String.format(
              "cold jobs=%d seconds=%.3f per_second=%.0f pool_start_ms=%.0f%n",
              jobs, seconds, jobs / seconds, (ready - spawn) / 1e6);
      System.out.print(line);
      Files.writeString(
          Path.of(args[0]),
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }
}
