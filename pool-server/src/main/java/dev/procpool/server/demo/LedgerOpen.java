package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

/** {@code ledger.open}: {@code {"id":"alice","balance":100}} creates an account; returns its id. */
public final class LedgerOpen implements JobHandler {
  @Override
  public String type() {
    return "ledger.open";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws Exception {
    Map<String, Object> fields = JobFields.parse(payload);
    String id = JobFields.requireString(fields, "id");
    long balance = JobFields.requireLong(fields, "balance");
    if (balance < 0) {
      throw new IllegalArgumentException("balance must be >= 0: " + balance);
    }
    try (Connection connection = Ledger.begin(ctx)) {
      try (PreparedStatement exists =
          connection.prepareStatement("SELECT 1 FROM " + Ledger.TABLE + " WHERE id = ?")) {
        exists.setString(1, id);
        try (ResultSet rows = exists.executeQuery()) {
          if (rows.next()) {
            connection.rollback();
            throw new IllegalStateException("account '" + id + "' already exists");
          }
        }
      }
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO " + Ledger.TABLE + " (id, balance) VALUES (?, ?)")) {
        insert.setString(1, id);
        insert.setLong(2, balance);
        insert.executeUpdate();
      }
      connection.commit();
    }
    return Ledger.text(id);
  }
}
