package dev.procpool.rabbitmq;

import dev.procpool.child.ChildContext;
import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;

/**
 * {@code record}: records the job's side effect once, however often it runs: the payload is the
 * job's key, and the insert and its guard share one transaction (the idempotency pattern the README
 * documents for at-least-once execution).
 */
public final class RecordEffect implements JobHandler {
  static final String TABLE = "procpool_rabbit_effects";
  private DataSource database;

  @Override
  public String type() {
    return "record";
  }

  @Override
  public void open(ChildContext ctx) throws Exception {
    database =
        ctx.dataSource()
            .orElseThrow(() -> new IllegalStateException("record needs PROCPOOL_DB_URL"));
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws Exception {
    String key = new String(payload, StandardCharsets.UTF_8);
    Thread.sleep(2); // a little work, so a kill lands mid-job
    try (Connection connection = database.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO "
                  + TABLE
                  + " (job_key, pid) VALUES (?, ?) ON CONFLICT (job_key) DO NOTHING")) {
        insert.setString(1, key);
        insert.setLong(2, ProcessHandle.current().pid());
        insert.executeUpdate();
      }
      connection.commit();
    }
    return ("done " + key).getBytes(StandardCharsets.UTF_8);
  }
}
