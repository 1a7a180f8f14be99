package dev.procpool.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.child.ChildContext;
import dev.procpool.child.JobContext;
import dev.procpool.server.demo.LedgerOpen;
import dev.procpool.server.demo.LedgerTransfer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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
 * 5. One small ledger transaction per job, through the pool (2 children, one connection each) and
 * through an in-process 2-thread executor with a 2-connection HikariCP pool running the very same
 * handler class. On H2 (TCP server on loopback) and on PostgreSQL ({@code PROCPOOL_BENCH_PG_URL},
 * default the local server).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class DatabaseBenchmark {
  private static final int ACCOUNTS = 200;

  @Param({"h2", "postgres"})
  public String db;

  @Param({"pool", "inprocess"})
  public String path;

  private org.h2.tools.Server h2;
  private Path h2Dir;
  private ProcessPool pool;
  private HikariDataSource dataSource;
  private ThreadPoolExecutor executor;
  private InFlightWindow window;
  private final LedgerTransfer transfer = new LedgerTransfer();
  private String prefix;

  @Setup(Level.Trial)
  public void start() throws Exception {
    String url;
    String user;
    String password;
    if (db.equals("h2")) {
      h2Dir = Files.createTempDirectory("pp-bench-h2-");
      h2 =
          org.h2.tools.Server.createTcpServer(
                  "-tcpPort", "0", "-baseDir", h2Dir.toString(), "-ifNotExists")
              .start();
      url = "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/bench";
      user = "sa";
      password = "";
    } else {
      url =
          System.getenv()
              .getOrDefault(
                  "PROCPOOL_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
      user = null;
      password = null;
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (user != null) {
      config.setUsername(user);
      config.setPassword(password);
    }
    config.setMaximumPoolSize(2);
    dataSource = new HikariDataSource(config);
    prefix = "bench" + System.nanoTime() + "-";
    LedgerOpen open = new LedgerOpen();
    JobContext ctx = context(dataSource);
    for (int i = 0; i < ACCOUNTS; i++) {
      open.handle(
          ("{\"id\":\"" + prefix + i + "\",\"balance\":1000000}").getBytes(StandardCharsets.UTF_8),
          ctx);
    }
    if (path.equals("pool")) {
      var builder =
          ProcessPool.builder()
              .children(2)
              .jobTimeout(Duration.ofSeconds(30))
              .childEnvironment("PROCPOOL_DB_URL", url);
      if (user != null) {
        builder
            .childEnvironment("PROCPOOL_DB_USER", user)
            .childEnvironment("PROCPOOL_DB_PASSWORD", password);
      }
      pool = builder.start();
    } else {
      executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    }
    window = new InFlightWindow(8);
  }

  @TearDown(Level.Iteration)
  public void drain() throws InterruptedException {
    window.drain();
  }

  @TearDown(Level.Trial)
  public void stop() {
    if (pool != null) {
      pool.close();
    }
    if (executor != null) {
      executor.shutdownNow();
    }
    dataSource.close();
    if (h2 != null) {
      h2.stop();
    }
  }

  private byte[] payload() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int from = random.nextInt(ACCOUNTS);
    int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
    return ("{\"from\":\"" + prefix + from + "\",\"to\":\"" + prefix + to + "\",\"amount\":1}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public void transfer() throws InterruptedException {
    byte[] payload = payload();
    if (pool != null) {
      window.submit(() -> pool.submit(Job.of("ledger.transfer", payload)));
    } else {
      JobContext ctx = context(dataSource);
      window.submit(
          () ->
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return transfer.handle(payload, ctx);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  },
                  executor));
    }
  }

  private static JobContext context(DataSource dataSource) {
    ChildContext child =
        new ChildContext() {
          @Override
          public int childId() {
            return 0;
          }

          @Override
          public long pid() {
            return ProcessHandle.current().pid();
          }

          @Override
          public Optional<DataSource> dataSource() {
            return Optional.of(dataSource);
          }
        };
    return new JobContext() {
      @Override
      public long jobId() {
        return 0;
      }

      @Override
      public String type() {
        return "ledger.transfer";
      }

      @Override
      public Optional<Duration> timeout() {
        return Optional.empty();
      }

      @Override
      public ChildContext child() {
        return child;
      }
    };
  }
}
