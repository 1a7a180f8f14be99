package dev.procpool.server.cli;

import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import dev.procpool.server.http.Backend;
import dev.procpool.server.http.HttpFrontEnd;
import dev.procpool.server.http.HttpLoop;
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

  private final OtelOptions otel;

  ServeRun(ServePlan plan, OtelOptions otel) {
    this.plan = plan;
    this.otel = otel;
  }

  @Override
  public Integer call() throws Exception {
    ServePlan.Database db = plan.database();
    EmbeddedDatabase embedded = null;
    ProcessPool pool = null;
    HttpFrontEnd http = null;
    HttpLoop httpLoop = null;
    Shared shared = null;
    StopSignals signals = null;
    try {
      // Before anything is read from or written to it: the data directory is this user's alone.
      PrivatePath.directory(plan.dataDir());
      if (plan.local()) {
        PrivatePath.directory(plan.dataDir().resolve("cds")); // the children's class-data archives
      }
      if (db.embedded()) {
        embedded = EmbeddedDatabase.start(db.embeddedIn());
        db = new ServePlan.Database(null, embedded.url(), embedded.user(), embedded.password());
      }
      signals = StopSignals.install(plan.drainTimeout(), embedded);
      otel.start();
      String adminToken = SecretFile.readOrCreate(plan.tokenFile());
      PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      // Asked once: it logs why sandboxed children get no database, and the banner says so too.
      boolean childrenGetDatabase =
          plan.local()
              && db.url() != null
              && SandboxOptions.childrenReach(plan.pool().build().sandbox(), db.url());
      // Only the front end's own callbacks may run on its loop; a broker worker's acks stay off.
      boolean httpOnly = plan.local() && plan.role() == null;
      // On the pool's loop, unless reuse-port needs an epoll loop of its own.
      boolean share = httpOnly && !plan.http().reusePort();
      if (!share) {
        httpLoop = HttpLoop.create(plan.http().reusePort());
      }
      if (plan.local()) {
        PoolConfigBuilder builder =
            withDatabase(plan.pool(), db, childrenGetDatabase).meterRegistry(prometheus);
        if (share) {
          // Completions run on the pool's loop, in a task of their own, and write their answers
          // there: submit to answer, a request crosses no thread in this process.
          builder.callbackExecutor(Runnable::run);
        } else if (httpOnly) {
          builder.callbackExecutor(httpLoop.callbackExecutor()); // no ForkJoinPool hop
        }
        pool = otel.traced(builder).start();
        if (share) {
          httpLoop = pool.eventLoop().flatMap(HttpLoop::sharing).orElse(null);
        }
      }
      if (httpLoop == null) {
        httpLoop = HttpLoop.create(plan.http().reusePort());
      }
      Backend backend = pool == null ? null : Backend.local(pool);
      if (plan.role() != null) {
        shared =
            Shared.open(
                plan.role(),
                plan.broker(),
                plan.brokerQueue(),
                plan.brokerCredentialsFile(),
                plan.brokerTrustStore(),
                pool,
                plan.jobTimeout());
        backend = shared.backend();
      }
      http =
          HttpFrontEnd.start(
              backend, serving(plan.http(), prometheus, adminToken), otel.http(), httpLoop);
      banner(http.port(), db, childrenGetDatabase);
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
    } catch (PrivatePath.Refused e) {
      System.err.println("procpool: " + e.getMessage());
      return 2;
    } catch (dev.procpool.PoolException e) {
      System.err.println("procpool: " + e.getMessage());
      return 1;
    } finally {
      if (http != null) {
        http.close();
      }
      if (httpLoop != null) {
        httpLoop.close(); // when the front end never started; else it is closed already
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

  private static PoolConfigBuilder withDatabase(
      PoolConfigBuilder pool, ServePlan.Database db, boolean childrenGetDatabase) {
    if (!childrenGetDatabase) {
      return pool; // so children start, and serve every job but the ledger's
    }
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

  private void banner(int port, ServePlan.Database db, boolean childrenGetDatabase) {
    String where =
        !plan.local()
            ? "none (role front)"
            : !childrenGetDatabase
                ? "none for sandboxed children (no network; see --sandbox-network)"
                : plan.database().embedded()
                    ? "embedded H2 in " + plan.dataDir().toAbsolutePath()
                    : db.url().replaceAll("(?i)password=[^&;]*", "password=***");
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
