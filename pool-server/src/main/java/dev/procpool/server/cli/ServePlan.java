package dev.procpool.server.cli;

import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import dev.procpool.server.http.HttpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} will run, checked before anything starts: every flag and every combination is
 * validated here, so that a mistake is one line and exit status 2, never a half-started server.
 *
 * @param pool the local pool's settings (validated: it builds), or null when there is no local pool
 *     ({@code --role front}); the run adds the database environment and the meter registry
 * @param http the HTTP settings, without the registry and admin token the run adds
 * @param role the role with a broker, or null without one
 * @param database where the children's database is
 * @param watchedJars the jars {@code --watch} watches; empty without a local pool or the flag
 */
record ServePlan(
    PoolConfigBuilder pool,
    HttpSettings http,
    ServeCommand.Role role,
    String broker,
    String brokerQueue,
    Path brokerCredentialsFile,
    Database database,
    Path dataDir,
    Path tokenFile,
    List<Path> watchedJars,
    Duration drainTimeout,
    Duration jobTimeout,
    int children) {

  /**
   * The children's database: the embedded H2 server in {@code embeddedIn}, or an external one.
   *
   * @param embeddedIn the data directory of the embedded database, or null for an external one
   */
  record Database(Path embeddedIn, String url, String user, String password) {
    static final Database NONE = new Database(null, null, null, null);

    boolean embedded() {
      return embeddedIn != null;
    }
  }

  /**
   * A local pool runs here: SIGHUP, {@code --watch} and the admin routes have something to steer.
   */
  boolean local() {
    return pool != null;
  }

  static ServePlan of(ServeCommand c) {
    for (Path jar : c.jobs) {
      if (!Files.isReadable(jar)) {
        throw new IllegalArgumentException("--jobs " + jar + ": no such readable file");
      }
    }
    if (c.broker == null && c.role != null) {
      throw new IllegalArgumentException("--role needs --broker");
    }
    ServeCommand.Role role =
        c.broker == null ? null : c.role != null ? c.role : ServeCommand.Role.both;
    if (c.broker != null) {
      dev.procpool.server.broker.BrokerLink.checkUrl(c.broker);
      new dev.procpool.rabbitmq.RabbitTopology(c.brokerQueue, 5, 100_000);
    }
    boolean local = role != ServeCommand.Role.front;
    if (c.watch && !local) {
      throw new IllegalArgumentException(
          "--watch rolls a local pool's children; --role front has none");
    }
    PoolConfigBuilder pool = local ? pool(c) : null;
    if (pool != null) {
      pool.build(); // combinations (children <= maxChildren) are checked here, before anything
      // starts
    }
    HttpSettings http =
        new HttpSettings(
                c.bind,
                c.port,
                c.maxBodyBytes,
                c.jobTimeout,
                c.idleTimeout,
                c.requestTimeout,
                null,
                null,
                c.reusePort,
                c.maxConnections,
                c.cancelRunningOnDisconnect)
            .withBrowserAccess(c.allowedHosts, c.allowedOrigins);
    String password = c.dbPassword != null ? c.dbPassword : System.getenv("PROCPOOL_DB_PASSWORD");
    Database database =
        !local
            ? Database.NONE
            : c.dbUrl == null
                ? new Database(c.dataDir, null, null, null)
                : new Database(null, c.dbUrl, c.dbUser, password);
    Path tokenFile = c.adminTokenFile != null ? c.adminTokenFile : c.dataDir.resolve("admin-token");
    return new ServePlan(
        pool,
        http,
        role,
        c.broker,
        c.brokerQueue,
        c.brokerCredentialsFile,
        database,
        c.dataDir,
        tokenFile,
        c.watch ? List.copyOf(c.jobs) : List.of(),
        c.drainTimeout,
        c.jobTimeout,
        c.children);
  }

  private static PoolConfigBuilder pool(ServeCommand c) {
    PoolConfigBuilder pool =
        PoolConfig.builder()
            .name("procpool")
            .children(c.children)
            .queueCapacity(c.queueCapacity)
            .jobTimeout(c.jobTimeout)
            .drainTimeout(c.drainTimeout)
            .childJvmOptions(childJvmOptions(c.childJvmOptions))
            .childClasspath(c.jobs)
            .maxJobsPerChild(c.maxJobsPerChild)
            .maxChildren(c.maxChildren != null ? c.maxChildren : c.children)
            .childIdleTimeout(c.childIdleTimeout)
            .deadlineAdmission(c.deadlineAdmission)
            .pipelining(c.pipelining)
            // AppCDS: the first run records the children's classes, later children start faster.
            .childClassDataDirectory(c.dataDir.resolve("cds"));
    if (c.slowJobThreshold != null) {
      pool.slowJobThreshold(c.slowJobThreshold);
    }
    if (c.childJava != null) {
      pool.javaExecutable(c.childJava.toAbsolutePath());
    }
    return pool;
  }

  /** The children log like the server (quiet logback defaults) unless a flag says otherwise. */
  private static String[] childJvmOptions(List<String> given) {
    List<String> options = new ArrayList<>();
    if (given.stream().noneMatch(o -> o.startsWith("-Dlogback.configurationFile="))) {
      options.add(
          "-Dlogback.configurationFile="
              + System.getProperty("logback.configurationFile", Main.LOGBACK_CONFIG));
    }
    options.addAll(given);
    return options.toArray(new String[0]);
  }
}
