package dev.procpool.server.cli;

import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import dev.procpool.server.http.Backend;
import dev.procpool.server.http.HttpFrontEnd;
import dev.procpool.server.http.HttpSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code serve}: starts the pool, its database and the HTTP front end; on SIGTERM or Ctrl-C stops
 * accepting, drains and exits 0. A second signal forces an exit (status 1); the children follow on
 * their own, since they watch the master.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Run the pool behind an HTTP server.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--port",
      description = "HTTP port (0 = any free port). Default: ${DEFAULT-VALUE}.")
  int port = 8080;

  @picocli.CommandLine.Mixin OtelOptions otel = new OtelOptions();

  @Option(names = "--bind", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
  String bind = "127.0.0.1";

  @Option(names = "--children", description = "Child JVMs. Default: the number of processors.")
  int children = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--max-children",
      description =
          "Dynamic sizing: grow up to this many children while jobs wait. Default: --children (static).")
  Integer maxChildren;

  @Option(
      names = "--child-idle-timeout",
      converter = DurationConverter.class,
      description = "Dynamic sizing: retire a child above --children idle this long. Default: 30s.")
  Duration childIdleTimeout = Duration.ofSeconds(30);

  @Option(
      names = "--queue-capacity",
      description = "Jobs that may wait for a child. Default: ${DEFAULT-VALUE}.")
  int queueCapacity = 10_000;

  @Option(
      names = "--job-timeout",
      converter = DurationConverter.class,
      description =
          "Longest a job may run (also the cap for the X-Job-Timeout-Ms header). Default: 30s.")
  Duration jobTimeout = Duration.ofSeconds(30);

  @Option(
      names = "--drain-timeout",
      converter = DurationConverter.class,
      description = "How long shutdown waits for queued and running jobs. Default: 30s.")
  Duration drainTimeout = Duration.ofSeconds(30);

  @Option(
      names = "--jobs",
      arity = "1..*",
      paramLabel = "<jar>",
      description =
          "Jars with your JobHandlers (listed in META-INF/services/dev.procpool.child.JobHandler).")
  List<Path> jobs = new ArrayList<>();

  @Option(
      names = "--child-jvm-option",
      paramLabel = "<option>",
      description = "A JVM option for each child, e.g. -Xmx256m. Repeatable.")
  List<String> childJvmOptions = new ArrayList<>();

  @Option(
      names = "--child-java",
      paramLabel = "<java>",
      description =
          "The java executable the children run on (JDK 17+), e.g. a newer JDK than the server's:"
              + " on JDK 25+ they start from an AOT cache kept in --data-dir. Default: the server's.")
  Path childJava;

  @Option(
      names = "--max-jobs-per-child",
      description = "Replace a child after this many jobs (0 = never). Default: ${DEFAULT-VALUE}.")
  long maxJobsPerChild;

  @Option(
      names = "--db-url",
      description =
          "JDBC URL for the children's database. Default: an embedded H2 server in --data-dir.")
  String dbUrl;

  @Option(names = "--db-user", description = "Database user.")
  String dbUser;

  @Option(
      names = "--db-password",
      description =
          "Database password. Prefer the PROCPOOL_DB_PASSWORD environment variable: flags are visible in ps.")
  String dbPassword;

  @Option(
      names = "--data-dir",
      description = "Where the embedded database keeps its files. Default: ${DEFAULT-VALUE}.")
  Path dataDir = Path.of("procpool-data");

  @Option(
      names = "--max-body-bytes",
      description = "Largest request body; larger gets 413. Default: ${DEFAULT-VALUE}.")
  int maxBodyBytes = 1024 * 1024;

  @Option(
      names = "--idle-timeout",
      converter = DurationConverter.class,
      description = "Close HTTP connections idle this long. Default: 60s.")
  Duration idleTimeout = Duration.ofSeconds(60);

  @Option(
      names = "--request-timeout",
      converter = DurationConverter.class,
      description =
          "A request must arrive whole within this time of its first byte, else 408. Default: 10s.")
  Duration requestTimeout = Duration.ofSeconds(10);

  /** Where this server stands when it shares a broker's queue with others. */
  enum Role {
    /** HTTP only: jobs go to the broker, any worker runs them. */
    front,
    /** A pool consuming the broker's queue (its HTTP serves status, metrics and local jobs). */
    worker,
    /** Both: HTTP forwards to the broker, and a local pool works the queue too. */
    both
  }

  @Option(
      names = "--broker",
      paramLabel = "<amqp url>",
      description =
          "Share a RabbitMQ queue with other servers, e.g. amqp://127.0.0.1:5672. Credentials from PROCPOOL_BROKER_USER/PROCPOOL_BROKER_PASSWORD or --broker-credentials-file, never the URL.")
  String broker;

  @Option(names = "--broker-queue", description = "The shared queue. Default: ${DEFAULT-VALUE}.")
  String brokerQueue = dev.procpool.rabbitmq.RabbitTopology.DEFAULT_QUEUE;

  @Option(names = "--role", description = "With --broker: front, worker or both. Default: both.")
  Role role;

  @Option(
      names = "--broker-credentials-file",
      description = "A file holding user:password for the broker.")
  Path brokerCredentialsFile;

  @Option(
      names = "--slow-job-threshold",
      converter = DurationConverter.class,
      description =
          "Log the stack of a job still running past this (once), and count it. Default: off.")
  Duration slowJobThreshold;

  @Option(
      names = "--deadline-admission",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Refuse (503 + Retry-After) a job whose X-Job-Deadline-Ms the queue cannot meet, by the expected wait. Default: on.")
  boolean deadlineAdmission = true;

  @Option(
      names = "--pipelining",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Send each busy child the next queued job ahead, so it starts the moment the current one ends. Default: on.")
  boolean pipelining = true;

  @Option(
      names = "--max-connections",
      description =
          "Connections beyond this many are refused (503, closed) and counted. Default: ${DEFAULT-VALUE}.")
  int maxConnections = HttpSettings.DEFAULT_MAX_CONNECTIONS;

  @Option(
      names = "--cancel-running-on-disconnect",
      description =
          "When a client goes away, also cancel its running job (kills the child). By default its"
              + " queued job leaves the queue and a running one runs on, its result discarded.")
  boolean cancelRunningOnDisconnect;

  @Option(
      names = "--watch",
      description = "Development mode: roll the children when a --jobs jar changes.")
  boolean watch;

  @Option(
      names = "--reuse-port",
      description =
          "Bind with SO_REUSEPORT (Linux) so a new server can take over the port; on SIGTERM this one hands over: stops accepting, finishes its requests, then drains its jobs.")
  boolean reusePort;

  @Option(
      names = "--admin-token-file",
      description =
          "File with the token for /admin routes; created with a random token (mode 0600) if missing. Default: <data-dir>/admin-token.")
  Path adminTokenFile;

  /** The children log like the server (quiet logback defaults) unless a flag says otherwise. */
  private String[] childJvmOptions() {
    List<String> options = new ArrayList<>();
    if (childJvmOptions.stream().noneMatch(o -> o.startsWith("-Dlogback.configurationFile="))) {
      options.add(
          "-Dlogback.configurationFile="
              + System.getProperty("logback.configurationFile", Main.LOGBACK_CONFIG));
    }
    options.addAll(childJvmOptions);
    return options.toArray(new String[0]);
  }

  @Override
  public Integer call() throws Exception {
    for (Path jar : jobs) {
      if (!Files.isReadable(jar)) {
        System.err.println("procpool: --jobs " + jar + ": no such readable file");
        return 2;
      }
    }
    PoolConfigBuilder pool;
    try {
      pool =
          PoolConfig.builder()
              .name("procpool")
              .children(children)
              .queueCapacity(queueCapacity)
              .jobTimeout(jobTimeout)
              .drainTimeout(drainTimeout)
              .childJvmOptions(childJvmOptions())
              .childClasspath(jobs)
              .maxJobsPerChild(maxJobsPerChild)
              .maxChildren(maxChildren != null ? maxChildren : children)
              .childIdleTimeout(childIdleTimeout)
              .deadlineAdmission(deadlineAdmission)
              .pipelining(pipelining)
              // AppCDS: the first run records the children's classes, later children start faster.
              .childClassDataDirectory(dataDir.resolve("cds"));
      if (slowJobThreshold != null) {
        pool.slowJobThreshold(slowJobThreshold);
      }
      if (childJava != null) {
        pool.javaExecutable(childJava.toAbsolutePath());
      }
      pool.build(); // combinations (children <= maxChildren) are checked here, before anything
      // starts
      new HttpSettings(
              bind,
              port,
              maxBodyBytes,
              jobTimeout,
              idleTimeout,
              requestTimeout,
              null,
              null,
              reusePort)
          .withClientLimits(maxConnections, cancelRunningOnDisconnect);
      if (broker != null) {
        dev.procpool.server.broker.BrokerLink.checkUrl(broker);
        new dev.procpool.rabbitmq.RabbitTopology(brokerQueue, 5, 100_000);
      } else if (role != null) {
        throw new IllegalArgumentException("--role needs --broker");
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("procpool: " + e.getMessage());
      return 2;
    }

    Role serving = broker == null ? null : role != null ? role : Role.both;
    boolean local = serving != Role.front;
    EmbeddedDatabase embedded = null;
    String url = dbUrl;
    String user = dbUser;
    String password = dbPassword != null ? dbPassword : System.getenv("PROCPOOL_DB_PASSWORD");
    if (url == null && local) {
      embedded = EmbeddedDatabase.start(dataDir);
      url = embedded.url();
      user = embedded.user();
      password = embedded.password();
    }
    if (url != null) {
      pool.childEnvironment("PROCPOOL_DB_URL", url);
    }
    if (user != null) {
      pool.childEnvironment("PROCPOOL_DB_USER", user);
    }
    if (password != null) {
      pool.childEnvironment("PROCPOOL_DB_PASSWORD", password);
    }
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    pool.meterRegistry(prometheus);
    otel.apply(pool);

    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger signals = new AtomicInteger();
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(
          new Signal(name),
          s -> {
            if (signals.incrementAndGet() > 1) {
              log.warn("second signal: exiting without draining");
              Runtime.getRuntime().halt(1);
            }
            log.info(
                "SIG{}: stopping; draining jobs for up to {} ms", name, drainTimeout.toMillis());
            stop.countDown();
          });
    }

    Path tokenFile = adminTokenFile != null ? adminTokenFile : dataDir.resolve("admin-token");
    String adminToken = SecretFile.readOrCreate(tokenFile);

    ProcessPool processPool = null;
    HttpFrontEnd http = null;
    Shared shared = null;
    try {
      processPool = local ? pool.start() : null;
      Backend backend = processPool == null ? null : Backend.local(processPool);
      if (serving != null) {
        shared =
            Shared.open(
                serving, broker, brokerQueue, brokerCredentialsFile, processPool, jobTimeout);
        backend = shared.backend();
      }
      http =
          HttpFrontEnd.start(
              backend,
              new HttpSettings(
                  bind,
                  port,
                  maxBodyBytes,
                  jobTimeout,
                  idleTimeout,
                  requestTimeout,
                  prometheus,
                  adminToken,
                  reusePort,
                  maxConnections,
                  cancelRunningOnDisconnect),
              otel.http());
      String where =
          !local
              ? "none (role front)"
              : dbUrl == null ? "embedded H2 in " + dataDir.toAbsolutePath() : url;
      System.out.println(
          "procpool "
              + VersionProvider.version()
              + " listening on http://"
              + bind
              + ":"
              + http.port()
              + " (children="
              + children
              + ", database="
              + where
              + (serving == null
                  ? ""
                  : ", role=" + serving + ", broker=" + broker + ", queue=" + brokerQueue)
              + ")");
      System.out.println(
          "admin token in "
              + tokenFile.toAbsolutePath()
              + "; SIGHUP or POST /admin/restart rolls the children");
      System.out.flush();
      ProcessPool rolling = processPool;
      Signal.handle(
          new Signal("HUP"),
          s -> {
            log.info("SIGHUP: rolling restart of the children");
            rolling
                .restartChildren()
                .whenComplete(
                    (v, e) -> {
                      if (e != null) {
                        log.warn("rolling restart failed: {}", e.toString());
                      }
                    });
          });
      JarWatcher watcher =
          watch && !jobs.isEmpty()
              ? new JarWatcher(
                  jobs,
                  () ->
                      rolling
                          .restartChildren()
                          .whenComplete(
                              (v, e) -> {
                                if (e != null) {
                                  log.warn(
                                      "rolling restart after a jar change failed: {}",
                                      e.toString());
                                }
                              }))
              : null;
      stop.await();
      if (watcher != null) {
        watcher.close();
      }
      http.endStreams(); // dashboards hear "draining" now, and hold neither the drain nor a
      // handover
      if (reusePort) {
        // Handover: the new server on the same port takes new connections from now on.
        http.handOver(drainTimeout.toMillis());
      }
      if (shared != null) {
        shared.stopConsuming(drainTimeout); // the broker's jobs go to other hosts from now on
      }
      // Drain with HTTP still up: requests in flight get their answers, new jobs get 503 with
      // Retry-After (the pool refuses them), /health says why. Then the listener goes.
      if (processPool != null) {
        processPool.close();
      }
      return 0;
    } catch (dev.procpool.PoolException e) {
      System.err.println("procpool: " + e.getMessage());
      return 1;
    } finally {
      if (http != null) {
        http.close();
      }
      if (shared != null) {
        shared.close();
      }
      if (processPool != null) {
        processPool.close();
      }
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
