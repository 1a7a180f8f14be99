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
    Optional<String> front = client.problem();
    if (front.isPresent() || localPool == null) {
      return front;
    }
    Optional<String> pool = localPool.problem();
    return pool.isPresent() || localWorker == null ? pool : localWorker.problem();
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

  /**
   * The broker part of a status document: where, which queue, connected, what is in flight, and for
   * a worker whether it consumes and what it refused or gave back.
   */
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
        worker == null ? null : worker.inFlight(),
        "ignoredAnswers",
        client == null ? null : client.ignoredAnswers(),
        "worker",
        worker == null ? null : worker(worker));
  }

  private static Map<String, Object> worker(RabbitWorker worker) {
    return Json.object(
        "consuming",
        worker.consuming(),
        "problem",
        worker.problem().orElse(null),
        "pausedBecause",
        worker.pausedBecause().orElse(null),
        "channelsOpened",
        worker.channelsOpened(),
        "refusedDeliveries",
        worker.refusedDeliveries(),
        "requeuedDeliveries",
        worker.requeuedDeliveries(),
        "unanswerableDeliveries",
        worker.unanswerableDeliveries());
  }

  /**
   * The backend of the {@code worker} role: the local pool, whose health also says whether the
   * worker consumes (a worker that lost its channel, or whose pool cannot start children, answers
   * 503 on {@code /health}).
   */
  public static Backend worker(
      String url, String queue, Connection connection, ProcessPool pool, RabbitWorker worker) {
    Backend local =
        Backend.local(
            pool,
            () ->
                Json.object(
                    "role",
                    "worker",
                    "broker",
                    describe("worker", url, queue, connection, null, worker)));
    return new Backend() {
      @Override
      public CompletableFuture<byte[]> submit(Job<byte[]> job) {
        return local.submit(job);
      }

      @Override
      public Optional<String> problem() {
        Optional<String> pool = local.problem();
        return pool.isPresent() ? pool : worker.problem();
      }

      @Override
      public CompletableFuture<Map<String, Object>> status() {
        return local.status();
      }

      @Override
      public Optional<ProcessPool> pool() {
        return local.pool();
      }
    };
  }

  @Override
  public Optional<ProcessPool> pool() {
    return Optional.ofNullable(localPool);
  }
}
