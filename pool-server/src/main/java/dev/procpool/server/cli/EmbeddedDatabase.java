package dev.procpool.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The server's default database: an H2 TCP server on loopback, on a free port, keeping its files in
 * the data directory, so that every child shares one real database. The password is made once, kept
 * in {@code <data dir>/db-password} (readable by the owner only) and passed to children in their
 * environment.
 */
final class EmbeddedDatabase implements AutoCloseable {
  static final String USER = "procpool";
  static final String DATABASE = "procpool";

  private final org.h2.tools.Server server;
  private final String url;
  private final String password;

  private EmbeddedDatabase(org.h2.tools.Server server, String url, String password) {
    this.server = server;
    this.url = url;
    this.password = password;
  }

  static EmbeddedDatabase start(Path dataDir) throws IOException, SQLException {
    Files.createDirectories(dataDir);
    String password = SecretFile.readOrCreate(dataDir.resolve("db-password"));
    // No -tcpAllowOthers: H2 then accepts loopback connections only.
    org.h2.tools.Server server =
        org.h2.tools.Server.createTcpServer(
                "-tcpPort", "0", "-baseDir", dataDir.toAbsolutePath().toString(), "-ifNotExists")
            .start();
    // DB_CLOSE_DELAY=-1: keep the database open while no child is connected (all restarting).
    String url =
        "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + DATABASE + ";DB_CLOSE_DELAY=-1";
    return new EmbeddedDatabase(server, url, password);
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

  @Override
  public void close() {
    server.stop();
  }
}
