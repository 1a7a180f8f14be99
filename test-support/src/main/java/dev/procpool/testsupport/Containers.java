package dev.procpool.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * Testcontainers services, one per kind per JVM, started on first use and stopped by
 * Testcontainers' reaper when the JVM exits. Looked at only after the local services: asking for a
 * Docker engine takes a while where there is none. Thread-safe (synchronized; tests seldom race).
 */
class Containers {
  private Boolean docker;
  private OutsideServices.Amqp rabbitmq;
  private OutsideServices.Postgres postgres;

  synchronized boolean dockerAvailable() {
    if (docker == null) {
      docker = DockerClientFactory.instance().isDockerAvailable();
    }
    return docker;
  }

  synchronized OutsideServices.Amqp rabbitmq() {
    if (rabbitmq == null) {
      @SuppressWarnings("resource") // lives until the JVM exits
      RabbitMQContainer container = new RabbitMQContainer("rabbitmq:3.13-alpine");
      container.start();
      // The image lets the default guest account in from outside loopback.
      rabbitmq = new OutsideServices.Amqp(container.getAmqpUrl());
    }
    return rabbitmq;
  }

  synchronized OutsideServices.Postgres postgres() {
    if (postgres == null) {
      @SuppressWarnings("resource") // lives until the JVM exits
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
      container.start();
      // Credentials in the URL, so the tests pass one string to a child's PROCPOOL_DB_URL.
      String url = container.getJdbcUrl();
      postgres =
          new OutsideServices.Postgres(
              url
                  + (url.contains("?") ? "&" : "?")
                  + "user="
                  + container.getUsername()
                  + "&password="
                  + container.getPassword());
    }
    return postgres;
  }
}
