package dev.procpool.server.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.procpool.server.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --broker ... --role both --children 1} attacked through its broker path: a job whose
 * failure message is 200 KB (larger than the broker's frame) used to leave its delivery unsettled
 * and the one child's slot held for good; the next job must be answered.
 */
class BrokerPathIT {
  @Test
  void failureMessageOf200Kb_thenEcho_answeredWithin20s(@TempDir Path dir) throws Exception {
    String queue = "procpool.path-it." + System.nanoTime();
    Process server =
        ServerProcess.launch(
            dir,
            "serve",
            "--broker",
            "amqp://127.0.0.1:5672",
            "--broker-queue",
            queue,
            "--role",
            "both",
            "--children",
            "1",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("data").toString()); // serve creates it, mode 0700
    try {
      String base = "http://127.0.0.1:" + ServerProcess.awaitPort(server);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> failed =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/jobs/sleep"))
                  .POST(HttpRequest.BodyPublishers.ofString("x".repeat(200_000)))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(500, failed.statusCode(), failed.body().substring(0, 200));
      assertTrue(failed.body().contains("JOB_FAILED"), failed.body().substring(0, 200));
      long started = System.nanoTime();
      HttpResponse<String> echo =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/jobs/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("still serving"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, echo.statusCode(), echo.body());
      assertEquals("still serving", echo.body());
      assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20));
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
    } finally {
      server.destroy();
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
      ConnectionFactory factory = new ConnectionFactory();
      factory.setUri("amqp://127.0.0.1:5672");
      try (Connection connection = factory.newConnection();
          Channel channel = connection.createChannel()) {
        channel.queueDelete(queue);
        channel.queueDelete(queue + ".dead");
      }
    }
  }
}
