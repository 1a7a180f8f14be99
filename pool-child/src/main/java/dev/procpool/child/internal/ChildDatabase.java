package dev.procpool.child.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The child's one-connection pool, configured from the environment the master gave the child.
 * Environment, not the command line: other local users can read {@code /proc/<pid>/cmdline}, but
 * not another user's {@code /proc/<pid>/environ}, so the password stays private.
 *
 * <p>HikariCP is an optional dependency of procpool-child: only this class names it, and only a
 * child given a URL loads it, so a pool without a database needs no HikariCP at all.
 */
final class ChildDatabase {
  /** The JDBC URL; no database when unset. */
  static final String URL = "PROCPOOL_DB_URL";

  static final String USER = "PROCPOOL_DB_USER";
  static final String PASSWORD = "PROCPOOL_DB_PASSWORD";

  private ChildDatabase() {}

  /** Opens the pool when a URL is configured; fails fast if the database cannot be reached. */
  static Optional<DataSource> open(Map<String, String> env, int childId) {
    String url = env.get(URL);
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(hikari(env, url, childId));
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException(
          URL
              + " is set but HikariCP is not on the child's class path (add com.zaxxer:HikariCP): "
              + e.getMessage(),
          e);
    }
  }

  private static DataSource hikari(Map<String, String> env, String url, int childId) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (env.get(USER) != null) {
      config.setUsername(env.get(USER));
    }
    if (env.get(PASSWORD) != null) {
      config.setPassword(env.get(PASSWORD));
    }
    config.setPoolName("procpool-child-" + childId);
    // One job at a time, so one connection: a second could only ever sit idle.
    config.setMaximumPoolSize(1);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(10_000);
    return new HikariDataSource(config);
  }

  /** Closes the pool, if there is one; the child is exiting, so a failure is only reported. */
  static void close(Optional<DataSource> database) {
    database.ifPresent(
        ds -> {
          try {
            ((AutoCloseable) ds).close();
          } catch (Exception e) {
            System.err.println("procpool child: closing the database: " + e);
          }
        });
  }
}
