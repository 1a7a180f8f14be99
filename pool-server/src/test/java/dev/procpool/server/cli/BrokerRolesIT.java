package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.procpool.server.testing.ServerProcess;
import dev.procpool.testing.Descendants;
import dev.procpool.testsupport.OutsideServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --broker}: two workers and a front on the local RabbitMQ, as separate processes.
 * HTTP load through the front; a worker is SIGKILLed mid-load; every request gets its answer.
 */
class BrokerRolesIT {

  @Test
  void frontAndTwoWorkers_workerKilledMidLoad_everyRequestAnswered(@TempDir Path dir)
      throws Exception {
    String amqp = OutsideServices.rabbitmq().uri();
    String queue = "procpool.roles." + System.nanoTime();
    List<Process> servers = new ArrayList<>();
    try {
      int[] workerPorts = new int[2];
      for (int i = 0; i < 2; i++) {
        Path data = Files.createDirectories(dir.resolve("w" + i));
        Process worker =
            ServerProcess.launch(
                dir,
                "serve",
                "--broker",
                amqp,
                "--broker-queue",
                queue,
                "--role",
                "worker",
                "--children",
                "2",
                "--port",
                "0",
                "--data-dir",
                data.toString());
        servers.add(worker);
        workerPorts[i] = ServerProcess.awaitPort(worker);
      }
      Process front =
          ServerProcess.launch(
              dir,
              "serve",
              "--broker",
              amqp,
              "--broker-queue",
              queue,
              "--role",
              "front",
              "--port",
              "0",
              "--data-dir",
              Files.createDirectories(dir.resolve("f")).toString());
      servers.add(front);
      String base = "http://127.0.0.1:" + ServerProcess.awaitPort(front);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

      String status =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          status.contains("\"role\":\"front\"") && status.contains("\"connected\":true"), status);
      String workerStatus =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + workerPorts[1] + "/status"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          workerStatus.contains("\"role\":\"worker\"")
              && workerStatus.contains("\"inFlightDeliveries\""),
          workerStatus);

      Semaphore inFlight = new Semaphore(32);
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        inFlight.acquire();
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(base + "/jobs/sleep"))
                .POST(HttpRequest.BodyPublishers.ofString(Integer.toString(i % 5)))
                .timeout(Duration.ofSeconds(120))
                .build();
        CompletableFuture<HttpResponse<String>> answer =
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        answer.whenComplete((r, e) -> inFlight.release());
        answers.add(answer);
        if (i == 200) {
          servers.get(0).destroyForcibly(); // SIGKILL a worker host mid-load
        }
      }
      for (int i = 0; i < answers.size(); i++) {
        HttpResponse<String> response = answers.get(i).get(180, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), "request " + i + ": " + response.body());
        assertEquals(Integer.toString(i % 5), response.body());
      }
      ConnectionFactory factory = new ConnectionFactory();
      factory.setUri(amqp);
      try (Connection connection = factory.newConnection();
          Channel channel = connection.createChannel()) {
        assertEquals(
            0, channel.queueDeclarePassive(queue).getMessageCount(), "nothing left in the queue");
        assertEquals(
            0,
            channel.queueDeclarePassive(queue + ".dead").getMessageCount(),
            "nothing dead-lettered");
        for (Process server : servers) {
          server.destroy(); // SIGTERM: drain and exit
        }
        for (Process server : servers) {
          assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server exits on SIGTERM");
        }
        channel.queueDelete(queue);
        channel.queueDelete(queue + ".dead");
      }
    } finally {
      for (Process server : servers) {
        server.destroyForcibly();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Descendants.alive().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(List.of(), Descendants.alive());
  }
}
