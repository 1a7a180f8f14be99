package dev.procpool.child.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import java.util.Optional;

/**
 * The child's one-connection pool, configured from the environment the master gave the child.
 * Environment, not the command line: other local users can read {@code /proc/<pid>/cmdline}, but
 * not another user's {@code /proc/<pid>/environ}, so the password stays private.
 */
final class ChildDatabase {
  /** The JDBC URL; no database when unset. */
  static final String URL = "PROCPOOL_DB_URL";
  static final String USER = "PROCPOOL_DB_USER";
  static final String PASSWORD = "PROCPOOL_DB_PASSWORD";

  private ChildDatabase() {}

  /** Opens the pool when a URL is configured; fails fast if the database cannot be reached. */
  static Optional<HikariDataSource> open(Map<String, String> env, int childId) {
    String url = env.get(URL);
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
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
    return Optional.of(new HikariDataSource(config));
  }
}
