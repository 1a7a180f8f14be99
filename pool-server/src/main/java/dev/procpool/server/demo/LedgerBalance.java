package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** {@code ledger.balance}: payload is an account id; returns its balance as text. */
public final class LedgerBalance implements JobHandler {
  @Override
  public String type() {
    return "ledger.balance";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws Exception {
    String id = Ledger.text(payload);
    try (Connection connection = Ledger.begin(ctx);
        PreparedStatement select =
            connection.prepareStatement("SELECT balance FROM " + Ledger.TABLE + " WHERE id = ?")) {
      select.setString(1, id);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          connection.rollback();
          throw new IllegalArgumentException("unknown account '" + id + "'");
        }
        long balance = rows.getLong(1);
        connection.commit();
        return Ledger.text(balance);
      }
    }
  }
}
