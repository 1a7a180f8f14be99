package dev.procpool.server.cli;

import com.rabbitmq.client.Connection;
import dev.procpool.ProcessPool;
import dev.procpool.rabbitmq.RabbitJobClient;
import dev.procpool.rabbitmq.RabbitTopology;
import dev.procpool.rabbitmq.RabbitWorker;
import dev.procpool.server.broker.BrokerBackend;
import dev.procpool.server.broker.BrokerLink;
import dev.procpool.server.http.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * A server sharing a broker's queue in one of its roles: the connection, worker and client it
 * holds.
 */
final class Shared implements AutoCloseable {
  /** Jobs a front may have outstanding on the broker at once. */
  private static final int MAX_OUTSTANDING = 10_000;

  private final Connection connection;
  private final RabbitWorker worker;
  private final RabbitJobClient client;
  private final Backend backend;

  private Shared(
      Connection connection, RabbitWorker worker, RabbitJobClient client, Backend backend) {
    this.connection = connection;
    this.worker = worker;
    this.client = client;
    this.backend = backend;
  }

  static Shared open(
      ServeCommand.Role role,
      String url,
      String queue,
      Path credentials,
      Path trustStore,
      ProcessPool pool,
      Duration jobTimeout)
      throws Exception {
    // The flag wins over PROCPOOL_BROKER_TRUST_STORE, which the three-argument connect reads.
    Connection connection =
        trustStore == null
            ? BrokerLink.connect(url, credentials, "procpool-" + role)
            : BrokerLink.connect(url, credentials, trustStore, "procpool-" + role);
    RabbitTopology topology = RabbitTopology.of(queue);
    RabbitWorker worker =
        pool == null ? null : RabbitWorker.start(connection, pool, topology, Set.of());
    RabbitJobClient client =
        role == ServeCommand.Role.worker
            ? null
            // A front waits for the job's own limit plus the time it may sit in a busy queue.
            : RabbitJobClient.connect(
                connection, topology, jobTimeout.plusMinutes(5), MAX_OUTSTANDING);
    Backend backend =
        role == ServeCommand.Role.worker
            // Its /health also says whether the worker consumes, not only whether the pool serves.
            ? BrokerBackend.worker(url, queue, connection, pool, worker)
            : new BrokerBackend(role.name(), url, queue, connection, client, pool, worker);
    return new Shared(connection, worker, client, backend);
  }

  Backend backend() {
    return backend;
  }

  /** Cancels the consumer and lets the running deliveries finish and ack. */
  void stopConsuming(Duration drain) {
    if (worker != null) {
      worker.close(drain);
    }
  }

  @Override
  public void close() {
    if (worker != null) {
      worker.close(Duration.ZERO);
    }
    if (client != null) {
      client.close();
    }
    try {
      if (connection.isOpen()) {
        connection.close();
      }
    } catch (Exception e) {
      // closing anyway
    }
  }
}
