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
 * RabbitWorker → child → answer) beside the raw amqp-client ceiling of the same request/reply shape
 * in the same run (a consumer that answers at once, same queue type, confirms, direct reply-to).
 * No-op echo jobs, 128 in flight.
 *
 * <ol>
 *   <li>{@value #PAIRS} interleaved pairs: one worker of 2 children at its own prefetch (children ×
 *       the pool's depth), then the raw consumer at that same prefetch; the median ratio is issue
 *       22's figure (target ≥ 0.70).
 *   <li>The raw consumer at a sweep of prefetches: the broker's best ceiling.
 *   <li>3 workers of 2 children; then one job in flight for the latency each path adds.
 * </ol>
 *
 * Appends its lines to the file in args[0].
 */
public final class BrokerThroughput {
  private static final int WARMUP = 3_000;
  private static final int JOBS = 20_000;
  private static final int IN_FLIGHT = 128;
  private static final int PAIRS = 3;
  private static final int[] SWEEP = {2, 8, 32, 128, 256};

  public static void main(String[] args) throws Exception {
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(System.getenv().getOrDefault("PROCPOOL_BENCH_AMQP", "amqp://127.0.0.1:5672"));
    List<String> lines = new ArrayList<>();
    try (Connection connection = factory.newConnection("procpool-bench")) {
      double[] ratios = new double[PAIRS];
      double procpoolLatency = 0;
      for (int pair = 0; pair < PAIRS; pair++) {
        Run procpool = throughProcpool(factory, connection, 1);
        double raw = rawCeiling(connection, JOBS, procpool.prefetch());
        ratios[pair] = procpool.jobsPerSecond() / raw;
        procpoolLatency = procpool.latencyMicros();
        lines.add(
            String.format(
                Locale.ROOT,
                "broker pair=%d procpool workers=1 prefetch=%d jobs_per_s=%.0f raw_same_prefetch=%.0f ratio=%.2f",
                pair + 1,
                procpool.prefetch(),
                procpool.jobsPerSecond(),
                raw,
                ratios[pair]));
      }
      double best = 0;
      int bestPrefetch = 0;
      for (int prefetch : SWEEP) {
        double raw = rawCeiling(connection, JOBS, prefetch);
        lines.add(
            String.format(
                Locale.ROOT, "broker raw_ceiling prefetch=%d jobs_per_s=%.0f", prefetch, raw));
        if (raw > best) {
          best = raw;
          bestPrefetch = prefetch;
        }
      }
      Run three = throughProcpool(factory, connection, 3);
      lines.add(
          String.format(
              Locale.ROOT,
              "broker procpool workers=3 prefetch=%d jobs_per_s=%.0f ratio_to_best_raw=%.2f",
              three.prefetch(),
              three.jobsPerSecond(),
              three.jobsPerSecond() / best));
      double rawLatency = rawLatencyMicros(connection);
      java.util.Arrays.sort(ratios);
      lines.add(
          String.format(
              Locale.ROOT,
              "broker summary median_ratio_same_prefetch=%.2f best_raw_prefetch=%d best_raw_jobs_per_s=%.0f latency_us procpool=%.0f raw=%.0f",
              ratios[PAIRS / 2],
              bestPrefetch,
              best,
              procpoolLatency,
              rawLatency));
    }
    lines.forEach(System.out::println);
    Files.write(Path.of(args.length > 0 ? args[0] : "broker.txt"), lines);
  }

  /** One procpool run: throughput, the workers' prefetch, and one-in-flight latency. */
  private record Run(double jobsPerSecond, int prefetch, double latencyMicros) {}

  /** A consumer that answers at once: what the broker does per request/reply without procpool. */
  private static double rawCeiling(Connection connection, int jobs, int prefetch) throws Exception {
    String queue = "procpool.bench.raw." + System.nanoTime();
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
      server.queueDelete(queue);
      server.queueDelete(queue + ".dead");
      server.close();
    }
  }

  private static double rawLatencyMicros(Connection connection) throws Exception {
    String queue = "procpool.bench.raw-latency." + System.nanoTime();
    Channel server = connection.createChannel();
    RabbitTopology.of(queue).declare(server);
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

  private static Run throughProcpool(
      ConnectionFactory factory, Connection clientConnection, int workers) throws Exception {
    String queue = "procpool.bench." + workers + "." + System.nanoTime();
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
        int prefetch = running.get(0).prefetch(); // after the run: the depth it ran at
        return new Run(rate, prefetch, latencyMicros(client));
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
