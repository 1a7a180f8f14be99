package dev.procpool.server.cli;

import dev.procpool.server.http.HttpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve}: the flags. {@link ServePlan} checks them and decides what this server holds (a
 * local pool or not, which database); {@link ServeRun} starts it and stops it on SIGTERM or Ctrl-C.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Run the pool behind an HTTP server.")
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      description = "HTTP port (0 = any free port). Default: ${DEFAULT-VALUE}.")
  int port = 8080;

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

  @Option(
      names = "--allowed-host",
      paramLabel = "<host>",
      description =
          "Also accept requests whose Host is this (name or name:port), e.g. the name a proxy"
              + " forwards; '*' turns the check off. Always accepted: localhost, 127.0.0.1, [::1]"
              + " and the bind address, with this port. Repeatable.")
  List<String> allowedHosts = new ArrayList<>();

  @Option(
      names = "--allowed-origin",
      paramLabel = "<origin>",
      description =
          "Accept requests from web pages of this origin (e.g. https://app.example); '*' for any."
              + " Other pages' requests get 403; the dashboard is same-origin. Repeatable.")
  List<String> allowedOrigins = new ArrayList<>();

  /** Parses (picocli did), then validates into a plan, then runs it. */
  @Override
  public Integer call() throws Exception {
    ServePlan plan;
    try {
      plan = ServePlan.of(this);
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("procpool: " + e.getMessage());
      return 2;
    }
    return new ServeRun(plan).call();
  }
}
