package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 6. From {@code start()} to a pool whose children are all ready (spawned, handlers opened, hello
 * received), for 1 and 2 children, with and without the children's class-data archive ({@code
 * childClassDataDirectory}: AppCDS on JDK 17, an AOT cache on JDK 25+), and with the children on
 * this JDK or on JDK 25 ({@code childJdk=25} needs PROCPOOL_BENCH_JAVA25, a JDK 25+ java; run.sh
 * sets it when it finds one, else pass {@code -p childJdk=own}). The archive is recorded by one
 * pool that ran a job and closed, as a first run would. It needs the class path to be jars only, as
 * it is when running from benchmarks.jar.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 3)
@Measurement(iterations = 10)
public class StartupBenchmark {
  @Param({"1", "2"})
  public int children;

  @Param({"false", "true"})
  public boolean appCds;

  @Param({"own", "25"})
  public String childJdk;

  private Path archiveDir;
  private Path java;
  private ProcessPool pool;

  @Setup(Level.Trial)
  public void archive() throws Exception {
    java = Path.of(System.getProperty("java.home"), "bin", "java");
    if (childJdk.equals("25")) {
      String java25 = System.getenv("PROCPOOL_BENCH_JAVA25");
      if (java25 == null || java25.isBlank()) {
        throw new IllegalStateException("childJdk=25 needs PROCPOOL_BENCH_JAVA25 (a JDK 25+ java)");
      }
      java = Path.of(java25);
    }
    if (!appCds) {
      return;
    }
    archiveDir = Files.createTempDirectory("pp-cds-");
    try (ProcessPool recorder = builder().children(1).start()) {
      recorder.submit(Job.of("echo", Payloads.ECHO_64)).join();
    }
    try (var files = Files.list(archiveDir)) {
      if (files.noneMatch(
          f -> f.getFileName().toString().matches("children-[0-9a-f]+\\.(jsa|aot)"))) {
        throw new IllegalStateException("no archive was written to " + archiveDir);
      }
    }
  }

  private PoolConfigBuilder builder() {
    PoolConfigBuilder builder = ProcessPool.builder().javaExecutable(java);
    return archiveDir == null ? builder : builder.childClassDataDirectory(archiveDir);
  }

  @Benchmark
  public ProcessPool startPool() {
    pool = builder().children(children).start();
    return pool;
  }

  @TearDown(Level.Invocation)
  public void stopPool() {
    if (pool != null) {
      pool.close();
      pool = null;
    }
  }

  @TearDown(Level.Trial)
  public void removeArchive() throws Exception {
    if (archiveDir != null) {
      try (var files = Files.list(archiveDir)) {
        for (Path file : files.toList()) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(archiveDir);
    }
  }
}
