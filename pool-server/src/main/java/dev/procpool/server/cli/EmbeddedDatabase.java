package dev.procpool.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server's default database: an H2 TCP server on loopback, on a free port, keeping its files in
 * the data directory, so that every child shares one real database. The password is made once, kept
 * in {@code <data dir>/db-password} (the owner's alone) and passed to children in their
 * environment.
 *
 * <p>The {@code procpool} database is created (or opened) here, in this process, before the TCP
 * server starts, and the server runs without {@code -ifNotExists}: a connection naming any other
 * database is refused, and so are other credentials. (With {@code -ifNotExists}, any local user
 * could create a database of their own on the port, be its admin, and reach files and Java code in
 * the master through H2's functions.) The connection opened here holds the database open for the
 * server's life; {@link #close()} ends it with {@code SHUTDOWN}, so every commit answered is on
 * disk. What a SIGKILL of the master loses: commits of the last half second or so (H2 writes its
 * log behind); use PostgreSQL ({@code --db-url}) where that matters.
 */
final class EmbeddedDatabase implements AutoCloseable {
  static final String USER = "procpool";
  static final String DATABASE = "procpool";

  private final org.h2.tools.Server server;
  private final Connection keeper;
  private final String url;
  private final String password;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedDatabase(
      org.h2.tools.Server server, Connection keeper, String url, String password) {
    this.server = server;
    this.keeper = keeper;
    this.url = url;
    this.password = password;
  }

  /** Opens the database in {@code dataDir} (already checked private) and serves it on loopback. */
  static EmbeddedDatabase start(Path dataDir) throws IOException, SQLException {
    String password = SecretFile.readOrCreate(dataDir.resolve("db-password"));
    Path base = dataDir.toAbsolutePath().normalize();
    Connection keeper;
    try {
      keeper = DriverManager.getConnection("jdbc:h2:" + base.resolve(DATABASE), USER, password);
    } catch (SQLException e) {
      throw new SQLException(
          "cannot open the embedded database in "
              + base
              + " as "
              + USER
              + " with the password in db-password: "
              + e.getMessage(),
          e);
    }
    PrivatePath.restrict(base.resolve(DATABASE + ".mv.db"));
    PrivatePath.restrict(base.resolve(DATABASE + ".trace.db"));
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    org.h2.tools.Server server;
    try {
      // No -ifNotExists (no remote creation), no -tcpAllowOthers (loopback only); the shutdown
      // password is random and kept nowhere: only this process stops the server.
      server =
          org.h2.tools.Server.createTcpServer(
                  "-tcpPort",
                  "0",
                  "-baseDir",
                  base.toString(),
                  "-tcpPassword",
                  HexFormat.of().formatHex(random))
              .start();
    } catch (SQLException e) {
      keeper.close();
      throw e;
    }
    // DB_CLOSE_DELAY=-1: keep the database open while no child is connected (all restarting).
    String url =
        "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + DATABASE + ";DB_CLOSE_DELAY=-1";
    return new EmbeddedDatabase(server, keeper, url, password);
  }

  String url() {
    return url;
  }

  String user() {
    return USER;
  }

  String password() {
    return password;
  }

  int port() {
    return server.getPort();
  }

  /**
   * Writes everything committed and closes the database, then the TCP server. Safe from any thread
   * and more than once (a second Ctrl-C and the normal stop may race): the first call does it.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try (Statement statement = keeper.createStatement()) {
      statement.execute("SHUTDOWN");
    } catch (SQLException e) {
      // Already closed: nothing left to write.
    }
    server.stop();
  }
}
