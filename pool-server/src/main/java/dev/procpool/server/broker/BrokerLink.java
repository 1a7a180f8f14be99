package dev.procpool.server.broker;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server's connection to its broker. Credentials never come from the command line (other local
 * users can read it): from {@code PROCPOOL_BROKER_USER} / {@code PROCPOOL_BROKER_PASSWORD}, or a
 * file holding {@code user:password}; without either, the client's default (guest, which RabbitMQ
 * accepts on loopback only). Recovers by itself after a broker restart.
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

  public static Connection connect(String url, Path credentialsFile, String name) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
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
    return factory.newConnection(name);
  }
}
