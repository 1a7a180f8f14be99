package dev.procpool.server.cli;

import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import dev.procpool.server.http.Backend;
import dev.procpool.server.http.HttpFrontEnd;
import dev.procpool.server.http.HttpSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ServePlan}: the database, the pool, the broker link and the HTTP front end, in that
 * order; on SIGTERM or Ctrl-C stops accepting, drains and exits 0, closing them in reverse. A
 * second signal closes the embedded database (so answered commits are on disk) and exits with
 * status 1; the children follow on their own, since they watch the master.
 */
final class ServeRun implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeRun.class);

  private final ServePlan plan;

  ServeRun(ServePlan plan) {
    this.plan = plan;
  }

  @Override
  public Integer call() throws Exception {
    ServePlan.Database db = plan.database();
    EmbeddedDatabase embedded = null;
    ProcessPool pool = null;
    HttpFrontEnd http = null;
    Shared shared = null;
    StopSignals signals = null;
    try {
      if (db.embedded()) {
        embedded = EmbeddedDatabase.start(db.embeddedIn());
        db = new ServePlan.Database(null, embedded.url(), embedded.user(), embedded.password());
      }
      signals = StopSignals.install(plan.drainTimeout(), embedded);
      String adminToken = SecretFile.readOrCreate(plan.tokenFile());
      PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      if (plan.local()) {
        pool = withDatabase(plan.pool(), db).meterRegistry(prometheus).start();
      }
      Backend backend = pool == null ? null : Backend.local(pool);
      if (plan.role() != null) {
        shared =
            Shared.open(
                plan.role(),
                plan.broker(),
                plan.brokerQueue(),
                plan.brokerCredentialsFile(),
                pool,
                plan.jobTimeout());
        backend = shared.backend();
      }
      http = HttpFrontEnd.start(backend, serving(plan.http(), prometheus, adminToken));
      banner(http.port(), db);
      JarWatcher watcher = null;
      if (pool != null) {
        ProcessPool rolling = pool;
        signals.onHangUp(() -> roll(rolling, "SIGHUP"));
        if (!plan.watchedJars().isEmpty()) {
          watcher = new JarWatcher(plan.watchedJars(), () -> roll(rolling, "a jar change"));
        }
      } else {
        signals.onHangUp(
            () -> log.info("SIGHUP: nothing to roll, this server has no local pool (role front)"));
      }
      signals.awaitStop();
      if (watcher != null) {
        watcher.close();
      }
      // Dashboards hear "draining" now, and hold neither the drain nor a handover.
      http.endStreams();
      if (plan.http().reusePort()) {
        // Handover: the new server on the same port takes new connections from now on.
        http.handOver(plan.drainTimeout().toMillis());
      }
      if (shared != null) {
        shared.stopConsuming(
            plan.drainTimeout()); // the broker's jobs go to other hosts from now on
      }
      // Drain with HTTP still up: requests in flight get their answers, new jobs get 503 with
      // Retry-After (the pool refuses them), /health says why. Then the listener goes.
      if (pool != null) {
        pool.close();
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
      if (pool != null) {
        pool.close();
      }
      if (signals != null) {
        signals.closing(); // a signal from now on finds nothing left to close
      }
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private static PoolConfigBuilder withDatabase(PoolConfigBuilder pool, ServePlan.Database db) {
    if (db.url() != null) {
      pool.childEnvironment("PROCPOOL_DB_URL", db.url());
    }
    if (db.user() != null) {
      pool.childEnvironment("PROCPOOL_DB_USER", db.user());
    }
    if (db.password() != null) {
      pool.childEnvironment("PROCPOOL_DB_PASSWORD", db.password());
    }
    return pool;
  }

  private static HttpSettings serving(
      HttpSettings h, PrometheusMeterRegistry prometheus, String adminToken) {
    return new HttpSettings(
        h.bind(),
        h.port(),
        h.maxBodyBytes(),
        h.maxJobTimeout(),
        h.idleTimeout(),
        h.requestTimeout(),
        prometheus,
        adminToken,
        h.reusePort(),
        h.maxConnections(),
        h.cancelRunningOnDisconnect(),
        h.allowedHosts(),
        h.allowedOrigins());
  }

  private void banner(int port, ServePlan.Database db) {
    String where =
        !plan.local()
            ? "none (role front)"
            : plan.database().embedded()
                ? "embedded H2 in " + plan.dataDir().toAbsolutePath()
                : db.url();
    System.out.println(
        "procpool "
            + VersionProvider.version()
            + " listening on http://"
            + plan.http().bind()
            + ":"
            + port
            + " (children="
            + (plan.local() ? plan.children() : 0)
            + ", database="
            + where
            + (plan.role() == null
                ? ""
                : ", role="
                    + plan.role()
                    + ", broker="
                    + plan.broker()
                    + ", queue="
                    + plan.brokerQueue())
            + ")");
    System.out.println(
        "admin token in "
            + plan.tokenFile().toAbsolutePath()
            + (plan.local()
                ? "; SIGHUP or POST /admin/restart rolls the children"
                : "; no local pool here (role front): SIGHUP, --watch and /admin/* have nothing"
                    + " to roll"));
    System.out.flush();
  }

  private static void roll(ProcessPool pool, String why) {
    log.info("{}: rolling restart of the children", why);
    pool.restartChildren()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                log.warn("rolling restart after {} failed: {}", why, e.getMessage());
              }
            });
  }
}
