package dev.procpool.server.broker;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * The server's connection to its broker. Credentials never come from the command line (other local
 * users can read it): from {@code PROCPOOL_BROKER_USER} / {@code PROCPOOL_BROKER_PASSWORD}, or a
 * file holding {@code user:password}; without either, the client's default (guest, which RabbitMQ
 * accepts on loopback only). {@code amqps://} verifies the broker's certificate and host name
 * ({@link BrokerTls}); a custom trust store comes from {@code --broker-trust-store} or {@code
 * PROCPOOL_BROKER_TRUST_STORE}. Recovers by itself after a broker restart.
 */
public final class BrokerLink {
  private BrokerLink() {}

  /** Refuses a URL that carries credentials: they belong in the environment or a file. */
  public static void checkUrl(String url) {
    URI uri = URI.create(url);
    if (!"amqp".equals(uri.getScheme()) && !"amqps".equals(uri.getScheme())) {
      throw new IllegalArgumentException("--broker must be an amqp:// or amqps:// URL: " + url);
    }
    if (uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "--broker must not carry credentials (the command line is visible in ps): use PROCPOOL_BROKER_USER and "
              + "PROCPOOL_BROKER_PASSWORD, or --broker-credentials-file");
    }
  }

  /** Connects, with the trust store of {@code PROCPOOL_BROKER_TRUST_STORE} if set. */
  public static Connection connect(String url, Path credentialsFile, String name) throws Exception {
    String trustStore = System.getenv(BrokerTls.TRUST_STORE_ENV);
    return connect(
        url,
        credentialsFile,
        trustStore == null || trustStore.isEmpty() ? null : Path.of(trustStore),
        name);
  }

  /**
   * Connects.
   *
   * @param trustStore for {@code amqps://}: the CAs to trust instead of the JDK's, or null
   */
  public static Connection connect(String url, Path credentialsFile, Path trustStore, String name)
      throws Exception {
    ConnectionFactory factory = factory(url, credentialsFile, trustStore);
    try {
      return factory.newConnection(name);
    } catch (IOException e) {
      SSLException tls = tlsCause(e);
      if (tls == null) {
        throw e;
      }
      throw new IOException(
          "TLS with the broker "
              + factory.getHost()
              + ":"
              + factory.getPort()
              + " failed ("
              + tls.getMessage()
              + "): is that port TLS, does the trust store hold the CA of its certificate, and is "
              + "the certificate issued for "
              + factory.getHost()
              + "?",
          e);
    }
  }

  private static SSLException tlsCause(Throwable e) {
    for (int depth = 0; e != null && depth < 10; depth++, e = e.getCause()) {
      if (e instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  /** The factory {@link #connect} uses: package-private so a test can see how it verifies. */
  static ConnectionFactory factory(String url, Path credentialsFile, Path trustStore)
      throws Exception {
    checkUrl(url);
    ConnectionFactory factory = new ConnectionFactory();
    if ("amqps".equals(URI.create(url).getScheme())) {
      // Before setUri: it installs a trust-everything context when none is set.
      factory.useSslProtocol(BrokerTls.context(trustStore));
      factory.enableHostnameVerification();
    } else if (trustStore != null) {
      throw new IllegalArgumentException("a broker trust store needs an amqps:// URL: " + url);
    }
    factory.setUri(url);
    String user = System.getenv("PROCPOOL_BROKER_USER");
    String password = System.getenv("PROCPOOL_BROKER_PASSWORD");
    if (credentialsFile != null) {
      String text = Files.readString(credentialsFile, StandardCharsets.UTF_8).trim();
      int colon = text.indexOf(':');
      if (colon < 1) {
        throw new IOException(credentialsFile + " must hold user:password");
      }
      user = text.substring(0, colon);
      password = text.substring(colon + 1);
    }
    if (user != null) {
      factory.setUsername(user);
    }
    if (password != null) {
      factory.setPassword(password);
    }
    factory.setRequestedHeartbeat(10); // a dead or frozen host is noticed within ~20 s
    factory.setAutomaticRecoveryEnabled(true);
    factory.setTopologyRecoveryEnabled(true);
    return factory;
  }
}
