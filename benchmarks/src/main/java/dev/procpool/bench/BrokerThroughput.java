package dev.procpool.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.rabbitmq.RabbitJobClient;
import dev.procpool.rabbitmq.RabbitTopology;
import dev.procpool.rabbitmq.RabbitWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Jobs per second through the local RabbitMQ: procpool (RabbitJobClient → quorum queue →
 * RabbitWorker → child → answer) with 1 and 3 workers of 2 children each, beside the raw
 * amqp-client ceiling of the same request/reply shape in the same run (a consumer that answers at
 * once, same queue type, confirms, direct reply-to). 128 jobs in flight, no-op echo jobs; then one
 * job in flight for the latency each path adds. Appends its lines to the file in args[0].
 */
public final class BrokerThroughput {
  private static final int WARMUP = 3_000;
  private static final int JOBS = 20_000;
  private static final int IN_FLIGHT = 128;

  public static void main(String[] args) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(System.getenv().getOrDefault("PROCPOOL_BENCH_AMQP", "amqp://127.0.0.1:5672"));
    List<String> lines = new ArrayList<>();
    try (Connection connection = factory.newConnection("procpool-bench")) {
      String rawQueue = "procpool.bench.raw." + System.nanoTime();
      double raw = rawCeiling(connection, rawQueue, JOBS, IN_FLIGHT);
      double rawLatency = rawLatencyMicros(connection, rawQueue);
      lines.add(
          String.format(
              Locale.ROOT,
              "broker raw_ceiling prefetch=%d jobs_per_s=%.0f latency_us=%.0f",
              IN_FLIGHT,
              raw,
              rawLatency));
      // The same consumer with the prefetch a 2-child worker gets: what "one job per free child"
      // costs.
      String rawQueue2 = "procpool.bench.raw2." + System.nanoTime();
      double raw2 = rawCeiling(connection, rawQueue2, JOBS / 4, 2);
      try (Channel channel = connection.createChannel()) {
        channel.queueDelete(rawQueue2);
        channel.queueDelete(rawQueue2 + ".dead");
      }
      lines.add(String.format(Locale.ROOT, "broker raw_ceiling prefetch=2 jobs_per_s=%.0f", raw2));
      for (int workers : new int[] {1, 3}) {
        String queue = "procpool.bench." + workers + "." + System.nanoTime();
        double[] procpool = throughProcpool(factory, connection, queue, workers);
        lines.add(
            String.format(
                Locale.ROOT,
                "broker procpool workers=%d jobs_per_s=%.0f ratio_to_raw=%.2f latency_us=%.0f added_us=%.0f",
                workers,
                procpool[0],
                procpool[0] / raw,
                procpool[1],
                procpool[1] - rawLatency));
      }
    }
    lines.forEach(System.out::println);
    Files.write(Path.of(args.length > 0 ? args[0] : "broker.txt"), lines);
  }

  /** A consumer that answers at once: what the broker does per request/reply without procpool. */
  private static double rawCeiling(Connection connection, String queue, int jobs, int prefetch)
      throws Exception {
    Channel server = connection.createChannel();
    RabbitTopology.of(queue).declare(server);
    server.basicQos(prefetch);
    server.basicConsume(queue, false, new EchoConsumer(server));
    try (RabbitJobClient client =
        RabbitJobClient.connect(
            connection, RabbitTopology.of(queue), Duration.ofMinutes(2), 10_000)) {
      run(client, Math.min(WARMUP, jobs));
      return run(client, jobs);
    } finally {
      server.close();
    }
  }

  private static double rawLatencyMicros(Connection connection, String queue) throws Exception {
    Channel server = connection.createChannel();
    server.basicConsume(queue, false, new EchoConsumer(server));
    try (RabbitJobClient client =
        RabbitJobClient.connect(connection, RabbitTopology.of(queue), Duration.ofMinutes(2), 10)) {
      return latencyMicros(client);
    } finally {
      server.queueDelete(queue);
      server.queueDelete(queue + ".dead");
      server.close();
    }
  }

  /** Answers every request at once with its own body: the broker's cost alone. */
  private static final class EchoConsumer extends DefaultConsumer {
    EchoConsumer(Channel channel) {
      super(channel);
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
        throws java.io.IOException {
      getChannel()
          .basicPublish(
              "",
              properties.getReplyTo(),
              new AMQP.BasicProperties.Builder()
                  .correlationId(properties.getCorrelationId())
                  .build(),
              body);
      getChannel().basicAck(envelope.getDeliveryTag(), false);
    }
  }

  private static double[] throughProcpool(
      ConnectionFactory factory, Connection clientConnection, String queue, int workers)
      throws Exception {
    RabbitTopology topology = RabbitTopology.of(queue);
    List<ProcessPool> pools = new ArrayList<>();
    List<Connection> connections = new ArrayList<>();
    List<RabbitWorker> running = new ArrayList<>();
    try {
      for (int i = 0; i < workers; i++) {
        ProcessPool pool = ProcessPool.builder().children(2).start();
        pools.add(pool);
        Connection connection = factory.newConnection("procpool-bench-worker-" + i);
        connections.add(connection);
        running.add(RabbitWorker.start(connection, pool, topology, Set.of()));
      }
      try (RabbitJobClient client =
          RabbitJobClient.connect(clientConnection, topology, Duration.ofMinutes(2), 10_000)) {
        run(client, WARMUP);
        double rate = run(client, JOBS);
        return new double[] {rate, latencyMicros(client)};
      }
    } finally {
      running.forEach(RabbitWorker::close);
      for (Connection connection : connections) {
        connection.close();
      }
      pools.forEach(ProcessPool::close);
      try (Channel channel = clientConnection.createChannel()) {
        channel.queueDelete(queue);
        channel.queueDelete(queue + ".dead");
      }
    }
  }

  private static double run(RabbitJobClient client, int jobs) throws Exception {
    Semaphore window = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<byte[]>> all = new ArrayList<>(jobs);
    long start = System.nanoTime();
    for (int i = 0; i < jobs; i++) {
      window.acquire();
      CompletableFuture<byte[]> job = client.submit(Job.of("echo", Payloads.ECHO_64));
      job.whenComplete((v, e) -> window.release());
      all.add(job);
    }
    for (CompletableFuture<byte[]> job : all) {
      job.get(2, TimeUnit.MINUTES);
    }
    return jobs / ((System.nanoTime() - start) / 1e9);
  }

  private static double latencyMicros(RabbitJobClient client) throws Exception {
    int n = 2_000;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      client.submit(Job.of("echo", Payloads.ECHO_64)).get(1, TimeUnit.MINUTES);
    }
    return (System.nanoTime() - start) / 1e3 / n;
  }
}
