package dev.procpool.bench.soak;

import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The soak behind {@code benchmarks/soak.sh}: a library pool in this JVM and a {@code serve}
 * process, each under echo load with faults injected at a fixed rate (every {@code faultEvery}-th
 * submission: SIGKILL, System.exit, OOM, a hang past its timeout, garbage on the socket, a child
 * that SIGSTOPs itself). Counted from the callers' side; exits 1 on any violation.
 *
 * <p>Arguments: libraryJobs httpJobs libraryFaultEvery httpFaultEvery maxMinutes procpool.jar
 * fixtures.jar summaryFile.
 */
public final class Soak {
  private static final int CHILDREN = 3;
  private static final int SAMPLES = 10;

  /** Small heaps make OOM quick; C1 only and serial GC make the ~5,000 child starts cheaper. */
  private static final List<String> CHILD_OPTIONS =
      List.of(
          "-Xmx64m",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "--add-opens=java.base/java.io=ALL-UNNAMED");

  private Soak() {}

  public static void main(String[] args) throws Exception {
    long libraryJobs = Long.parseLong(args[0]);
    long httpJobs = Long.parseLong(args[1]);
    long libraryFaultEvery = Long.parseLong(args[2]);
    long httpFaultEvery = Long.parseLong(args[3]);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(Long.parseLong(args[4]));
    Path procpoolJar = Path.of(args[5]).toAbsolutePath();
    Path fixtures = Path.of(args[6]).toAbsolutePath();
    Path summaryFile = Path.of(args[7]);
    Path work = Files.createTempDirectory("procpool-soak");
    long began = System.nanoTime();

    List<String> violations = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    ProcessPool pool =
        ProcessPool.builder()
            .name("soak")
            .children(CHILDREN)
            .jobTimeout(Duration.ofSeconds(10))
            .childJvmOptions(CHILD_OPTIONS.toArray(new String[0]))
            .childClasspath(List.of(fixtures))
            .childClassDataDirectory(work.resolve("cds"))
            // Ride through a machine so loaded that children miss the hello deadline in a row.
            .spawnFailureLimit(50)
            .start();
    ServeProcess serve;
    try {
      serve =
          ServeProcess.start(procpoolJar, fixtures, work.resolve("serve"), CHILDREN, CHILD_OPTIONS);
    } catch (Exception e) {
      pool.close();
      throw e;
    }
    lines.add("config: " + pool.config());
    LibraryLoad library = new LibraryLoad(pool, libraryJobs, libraryFaultEvery, deadline);
    HttpLoad http = new HttpLoad(serve, httpJobs, httpFaultEvery, deadline);
    List<Thread> threads = new ArrayList<>();
    for (SoakPath path : List.of(library, http)) {
      Thread t =
          new Thread(
              () -> {
                try {
                  path.run();
                } catch (Exception e) {
                  path.books().note("load thread failed: " + e);
                }
              },
              "soak-" + path.books().path);
      threads.add(t);
      t.start();
    }

    // Samples every tenth of the time budget (at least every 30 s); the main thread is the clock.
    long budget = deadline - began;
    long every = Math.max(TimeUnit.SECONDS.toNanos(30), budget / SAMPLES);
    List<Resources[]> samples = new ArrayList<>();
    long nextSample = began + every;
    while (threads.stream().anyMatch(Thread::isAlive)) {
      threads.get(0).join(1000);
      threads.get(1).join(1);
      if (System.nanoTime() >= nextSample) {
        nextSample += every;
        samples.add(new Resources[] {Resources.self(), Resources.of(serve.pid())});
        System.err.printf(
            "soak: after %d s: library %d jobs, http %d jobs, faults %d; %s | serve %s%n",
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began),
            library.books().completed.get(),
            http.books().completed.get(),
            faults(library, http),
            samples.get(samples.size() - 1)[0],
            samples.get(samples.size() - 1)[1]);
      }
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
    long total = libraryJobs + httpJobs;

    PoolStatus status = awaitFullSize(pool);
    long ready =
        status.children().stream().filter(c -> c.state() == PoolStatus.ChildState.IDLE).count();
    if (ready != CHILDREN) {
      violations.add("library pool not back to " + CHILDREN + " idle children: " + status);
    }
    // At rest (children replaced, load over), so process reapers and starts are not counted.
    Resources[] end = {Resources.self(), Resources.of(serve.pid())};
    List<ProcessHandle> libraryChildren = ProcessHandle.current().children().toList();
    pool.close();
    serve.close();
    List<ProcessHandle> orphans = new ArrayList<>(serve.orphans());
    for (ProcessHandle h : libraryChildren) {
      if (h.pid() != serve.pid() && !h.onExit().isDone() && h.isAlive()) {
        orphans.add(h);
      }
    }
    orphans.addAll(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList());
    if (!orphans.isEmpty()) {
      violations.add("processes left after close: " + orphans);
    }

    for (SoakPath path : List.of(library, http)) {
      violations.addAll(path.books().violations());
      lines.add(path.books().summary());
    }
    // Flat: the sample after the first third against the end, for each master.
    Resources[] early = samples.isEmpty() ? end : samples.get(samples.size() / 3);
    String[] names = {"library master", "serve master"};
    for (int i = 0; i < 2; i++) {
      String grew = Resources.grewBeyond(early[i], end[i]);
      if (grew != null) {
        violations.add(names[i] + " grew: " + grew);
      }
      lines.add(names[i] + ": a third in " + early[i] + "; at rest after " + end[i]);
    }
    long jobs = library.books().submitted.get() + http.books().submitted.get();
    long faults = faults(library, http);
    lines.add(
        0,
        String.format(
            "soak: %d jobs (%d library, %d http) and %d faults in %d s (%.0f jobs/s);"
                + " serve exit code %d; orphans %d; violations %d",
            jobs,
            library.books().submitted.get(),
            http.books().submitted.get(),
            faults,
            seconds,
            jobs / (double) Math.max(1, seconds),
            serve.exitCode(),
            orphans.size(),
            violations.size()));
    if (jobs < total) {
      violations.add("stopped at the time limit after " + jobs + " of " + total + " jobs");
    }
    lines.addAll(violations.stream().map(v -> "VIOLATION " + v).toList());
    String summary = String.join(System.lineSeparator(), lines) + System.lineSeparator();
    System.out.print(summary);
    Files.writeString(summaryFile, summary, StandardCharsets.UTF_8);
    System.exit(violations.isEmpty() ? 0 : 1);
  }

  private static long faults(SoakPath... paths) {
    long n = 0;
    for (SoakPath p : paths) {
      n += p.books().sigkills.get() + p.books().faultJobs.get();
    }
    return n;
  }

  private static PoolStatus awaitFullSize(ProcessPool pool) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    PoolStatus status = pool.status().get(10, TimeUnit.SECONDS);
    while (System.nanoTime() < deadline
        && status.children().stream().filter(c -> c.state() == PoolStatus.ChildState.IDLE).count()
            < CHILDREN) {
      Thread.sleep(100); // replacements are starting; no event reaches a caller for that
      status = pool.status().get(10, TimeUnit.SECONDS);
    }
    return status;
  }
}
