package dev.procpool.testsupport;

import java.nio.file.Path;

/**
 * The one rule for tests that need something outside the JDK: use the real service when it is there
 * (a local one named by an environment variable, a default address only when something listens on
 * it, or a Testcontainers container when a Docker engine is there); otherwise skip the test with
 * one line naming the service and how to provide it; and when the environment variable {@code CI}
 * is set (to anything but {@code false} or {@code 0}), fail instead, so CI can never go green by
 * skipping.
 *
 * <p>Call it first in a test, or in {@code @BeforeAll} to skip a whole class: a skip is JUnit's
 * {@code TestAbortedException}, a failure under CI an {@code AssertionError}. Any thread may call
 * it; the containers it starts (one per service per JVM) live until the JVM exits.
 */
public final class OutsideServices {
  private static final Services SERVICES = new Services(System.getenv(), new Containers());

  private OutsideServices() {}

  /**
   * A RabbitMQ broker: {@code PROCPOOL_TEST_AMQP_URL}, else {@code amqp://127.0.0.1:5672} when
   * something listens there, else a Testcontainers RabbitMQ.
   */
  public static Amqp rabbitmq() {
    return SERVICES.rabbitmq();
  }

  /**
   * A PostgreSQL server: {@code PROCPOOL_TEST_PG_URL}, else {@code
   * jdbc:postgresql://127.0.0.1:5432/test?user=postgres} when something listens there, else a
   * Testcontainers PostgreSQL.
   */
  public static Postgres postgres() {
    return SERVICES.postgres();
  }

  /** A headless-capable Chromium: {@code PROCPOOL_TEST_CHROMIUM}, else a usual install path. */
  public static Path chromium() {
    return SERVICES.chromium();
  }

  /** The {@code java} of a JDK 25 or newer, named by {@code PROCPOOL_TEST_JAVA25}. */
  public static Path java25() {
    return SERVICES.java25();
  }

  /** The {@code bwrap} binary: {@code PROCPOOL_TEST_BWRAP}, else {@code bwrap} on the PATH. */
  public static Path bubblewrap() {
    return SERVICES.bubblewrap();
  }

  /** True when this run is CI's: a skip there is a failure. */
  public static boolean underCi() {
    return SERVICES.underCi();
  }

  /**
   * A broker address for {@code ConnectionFactory.setUri}. The credentials are the broker's default
   * guest account unless {@code PROCPOOL_TEST_AMQP_URL} carries others.
   */
  public record Amqp(String uri) {}

  /** A JDBC URL that carries its credentials (pgjdbc reads {@code user} and {@code password}). */
  public record Postgres(String jdbcUrl) {}
}
