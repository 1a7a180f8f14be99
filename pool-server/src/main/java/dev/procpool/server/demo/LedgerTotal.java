package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * {@code ledger.total}: the sum of every balance, as text: the invariant transfers must keep. A
 * non-empty payload restricts it to accounts whose id starts with that prefix.
 */
public final class LedgerTotal implements JobHandler {
  @Override
  public String type() {
    return "ledger.total";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws Exception {
    String prefix = Ledger.text(payload);
    try (Connection connection = Ledger.begin(ctx);
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT COALESCE(SUM(balance), 0), COUNT(*) FROM "
                    + Ledger.TABLE
                    + " WHERE id LIKE ? ESCAPE '!'")) {
      select.setString(1, prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        long total = rows.getLong(1);
        connection.commit();
        return Ledger.text(total);
      }
    }
  }
}
