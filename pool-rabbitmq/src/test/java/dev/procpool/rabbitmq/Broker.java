package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The local RabbitMQ, as the tests use it: connections and {@code rabbitmqctl}. */
final class Broker {
  static final String URL = "amqp://127.0.0.1:5672";

  private Broker() {}

  /** A connection that recovers by itself within a fraction of a second. */
  static Connection connect(String name, boolean recovering) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(URL);
    factory.setAutomaticRecoveryEnabled(recovering);
    factory.setNetworkRecoveryInterval(200);
    return factory.newConnection(name);
  }

  /** Closes, from the broker's side, every connection of that client-given name. */
  static void closeConnection(String name) throws Exception {
    String listing = rabbitmqctl("list_connections", "pid", "client_properties");
    int closed = 0;
    for (String line : listing.split("\n")) {
      if (line.contains("\"" + name + "\"")) {
        String pid = line.substring(0, line.indexOf('\t'));
        rabbitmqctl("close_connection", pid, "closed by a test");
        closed++;
      }
    }
    assertTrue(closed > 0, "no connection named " + name + " in:\n" + listing);
  }

  static String rabbitmqctl(String... args) throws Exception {
    String[] command = new String[args.length + 2];
    command[0] = "rabbitmqctl";
    command[1] = "-q";
    System.arraycopy(args, 0, command, 2, args.length);
    Process ctl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(ctl.waitFor(120, TimeUnit.SECONDS), "rabbitmqctl hung");
    assertEquals(0, ctl.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }

  /** Waits, bounded, for a state reached through the broker (no event to wait on from outside). */
  static void await(String what, long seconds, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "never: " + what);
      Thread.sleep(50);
    }
  }
}
