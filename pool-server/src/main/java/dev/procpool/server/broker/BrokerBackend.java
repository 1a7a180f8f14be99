package dev.procpool.server.broker;

import com.rabbitmq.client.Connection;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.rabbitmq.RabbitJobClient;
import dev.procpool.rabbitmq.RabbitWorker;
import dev.procpool.server.http.Backend;
import dev.procpool.server.http.Json;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP front end of the {@code front} and {@code both} roles: jobs go to the broker's queue,
 * answers come back from whichever host ran them. With {@code both}, a local pool also works the
 * queue and its status is shown beside the broker's.
 */
public final class BrokerBackend implements Backend {
  private final String role;
  private final String url;
  private final String queue;
  private final Connection connection;
  private final RabbitJobClient client;
  private final ProcessPool localPool;
  private final RabbitWorker localWorker;

  public BrokerBackend(
      String role,
      String url,
      String queue,
      Connection connection,
      RabbitJobClient client,
      ProcessPool localPool,
      RabbitWorker localWorker) {
    this.role = role;
    this.url = url;
    this.queue = queue;
    this.connection = connection;
    this.client = client;
    this.localPool = localPool;
    this.localWorker = localWorker;
  }

  @Override
  public CompletableFuture<byte[]> submit(Job<byte[]> job) {
    return client.submit(job);
  }

  @Override
  public Optional<String> problem() {
    if (!connection.isOpen()) {
      return Optional.of("the broker " + url + " is unreachable (reconnecting)");
    }
    return localPool == null ? Optional.empty() : localPool.problem();
  }

  @Override
  public CompletableFuture<Map<String, Object>> status() {
    Map<String, Object> broker = describe(role, url, queue, connection, client, localWorker);
    if (localPool == null) {
      return CompletableFuture.completedFuture(
          Json.object(
              "role",
              role,
              "healthy",
              problem().isEmpty(),
              "problem",
              problem().orElse(null),
              "broker",
              broker));
    }
    return localPool
        .status()
        .thenApply(
            s -> {
              Map<String, Object> document = Json.status(s);
              document.put("role", role);
              document.put("broker", broker);
              return document;
            });
  }

  /** The broker part of a status document: where, which queue, connected, what is in flight. */
  public static Map<String, Object> describe(
      String role,
      String url,
      String queue,
      Connection connection,
      RabbitJobClient client,
      RabbitWorker worker) {
    return Json.object(
        "url",
        url,
        "queue",
        queue,
        "connected",
        connection.isOpen(),
        "outstandingJobs",
        client == null ? null : client.outstanding(),
        "inFlightDeliveries",
        worker == null ? null : worker.inFlight());
  }

  @Override
  public Optional<ProcessPool> pool() {
    return Optional.ofNullable(localPool);
  }
}
