package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ledger.transfer}: {@code {"from":"a","to":"b","amount":5}} moves money in one transaction.
 * Both rows are locked in id order first, so opposite transfers cannot deadlock. Unknown accounts
 * and insufficient funds fail the job and change nothing. Returns the new balance of {@code from}.
 */
public final class LedgerTransfer implements JobHandler {
  @Override
  public String type() {
    return "ledger.transfer";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws Exception {
    Map<String, Object> fields = JobFields.parse(payload);
    String from = JobFields.requireString(fields, "from");
    String to = JobFields.requireString(fields, "to");
    long amount = JobFields.requireLong(fields, "amount");
    if (amount <= 0) {
      throw new IllegalArgumentException("amount must be > 0: " + amount);
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("from and to are the same account: '" + from + "'");
    }
    try (Connection connection = Ledger.begin(ctx)) {
      try {
        Map<String, Long> balances = lock(connection, from, to);
        if (!balances.containsKey(from) || !balances.containsKey(to)) {
          throw new IllegalArgumentException(
              "unknown account '" + (balances.containsKey(from) ? to : from) + "'");
        }
        long available = balances.get(from);
        if (available < amount) {
          throw new IllegalStateException(
              "insufficient funds in '"
                  + from
                  + "': balance "
                  + available
                  + ", transfer "
                  + amount);
        }
        add(connection, from, -amount);
        add(connection, to, amount);
        connection.commit();
        return Ledger.text(available - amount);
      } catch (Exception e) {
        connection.rollback();
        throw e;
      }
    }
  }

  private static Map<String, Long> lock(Connection connection, String a, String b)
      throws Exception {
    Map<String, Long> balances = new HashMap<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT id, balance FROM "
                + Ledger.TABLE
                + " WHERE id IN (?, ?) ORDER BY id FOR UPDATE")) {
      select.setString(1, a);
      select.setString(2, b);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          balances.put(rows.getString(1), rows.getLong(2));
        }
      }
    }
    return balances;
  }

  private static void add(Connection connection, String id, long delta) throws Exception {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE " + Ledger.TABLE + " SET balance = balance + ? WHERE id = ?")) {
      update.setLong(1, delta);
      update.setString(2, id);
      if (update.executeUpdate() != 1) {
        throw new IllegalStateException("account '" + id + "' vanished mid-transfer");
      }
    }
  }
}
