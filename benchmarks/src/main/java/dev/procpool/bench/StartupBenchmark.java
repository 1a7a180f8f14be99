package dev.procpool.bench;

import dev.procpool.Job;
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
 * received), for 1 and 2 children, with and without an AppCDS archive. The archive is a dynamic one
 * ({@code -XX:ArchiveClassesAtExit}), recorded by one child that ran a job and exited; children
 * then start with {@code -XX:SharedArchiveFile}. It needs the class path to be jars only, as it is
 * when running from benchmarks.jar.
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

  private Path archiveDir;
  private String[] options = new String[0];
  private ProcessPool pool;

  @Setup(Level.Trial)
  public void archive() throws Exception {
    if (!appCds) {
      return;
    }
    archiveDir = Files.createTempDirectory("pp-cds-");
    Path archive = archiveDir.resolve("child.jsa");
    try (ProcessPool recorder =
        ProcessPool.builder()
            .children(1)
            .childJvmOptions("-XX:ArchiveClassesAtExit=" + archive)
            .start()) {
      recorder.submit(Job.of("echo", Payloads.ECHO_64)).join();
    }
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException("no archive was written to " + archive);
    }
    options = new String[] {"-XX:SharedArchiveFile=" + archive, "-Xshare:auto"};
  }

  @Benchmark
  public ProcessPool startPool() {
    pool = ProcessPool.builder().children(children).childJvmOptions(options).start();
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
      Files.deleteIfExists(archiveDir.resolve("child.jsa"));
      Files.deleteIfExists(archiveDir);
    }
  }
}
