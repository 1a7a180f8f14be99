package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * What the ledger handlers share: the child's connection and the schema, created on first use.
 *
 * <p>Plain blocking JDBC, one transaction per job: exactly the code procpool exists to keep off an
 * event loop. Amounts are whole units in a {@code BIGINT}; the {@code CHECK} keeps balances from
 * going negative even if a handler had a bug.
 */
final class Ledger {
  static final String TABLE = "procpool_ledger";
  private static volatile boolean schemaReady;

  private Ledger() {}

  /** A connection in a transaction (auto-commit off), with the schema in place. */
  static Connection begin(JobContext ctx) throws SQLException {
    DataSource dataSource =
        ctx.child()
            .dataSource()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the ledger needs a database: start the server with --db-url or use the embedded default"));
    Connection connection = dataSource.getConnection();
    try {
      if (!schemaReady) {
        createSchema(connection);
        schemaReady = true;
      }
      connection.setAutoCommit(false);
      return connection;
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private static void createSchema(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    String ddl =
        "CREATE TABLE IF NOT EXISTS "
            + TABLE
            + " (id VARCHAR(200) PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0))";
    try (Statement statement = connection.createStatement()) {
      statement.execute(ddl);
    } catch (SQLException e) {
      // Two children creating the table at once: PostgreSQL can refuse the loser. One retry sees
      // it.
      try (Statement statement = connection.createStatement()) {
        statement.execute(ddl);
      }
    }
  }

  static byte[] text(Object value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8).trim();
  }
}
