package dev.procpool.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a local {@link ProcessPool} to a queue: each delivery runs as one job, with manual
 * acknowledgement, and the broker never hands this host more jobs than it has children (the
 * prefetch), so no host hoards work another could start now (Celery's {@code acks_late} with a
 * prefetch of one per worker).
 *
 * <ul>
 *   <li>A job's answer is published (to its {@code reply-to}) before the delivery is acked.
 *   <li>A job whose child crashed, of a type declared retryable, is requeued (nack): another host
 *       may run it; the queue's delivery limit dead-letters a job that keeps killing children.
 *   <li>When the connection is lost, the jobs in flight are abandoned: never acked later (the
 *       broker has handed them to another host already), and by default their children are killed,
 *       so a zombie does not finish work, its transaction rolls back.
 *   <li>{@link #close} cancels the consumer first, lets running jobs finish and ack, then closes.
 * </ul>
 *
 * Thread-safe; channel operations are serialized on one lock.
 */
public final class RabbitWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RabbitWorker.class);

  private final ProcessPool pool;
  private final RabbitTopology topology;
  private final Set<String> retryable;
  private final boolean killOnConnectionLoss;
  private final Channel channel;
  private final Object lock = new Object();

  /** Counts channel losses: a delivery from an older generation can no longer be acked. */
  private final AtomicLong generation = new AtomicLong();

  private final Map<Long, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile String consumerTag;

  private RabbitWorker(
      Connection connection,
      ProcessPool pool,
      RabbitTopology topology,
      Set<String> retryable,
      boolean killOnConnectionLoss)
      throws IOException {
    this.pool = pool;
    this.topology = topology;
    this.retryable = Set.copyOf(retryable);
    this.killOnConnectionLoss = killOnConnectionLoss;
    this.channel = connection.createChannel();
    topology.declare(channel);
    // One job per child: the prefetch is the pool's capacity, per consumer (never global QoS with
    // quorum queues).
    channel.basicQos(pool.config().children());
    channel.addShutdownListener(cause -> onChannelLost(cause.getMessage()));
  }

  /**
   * Starts consuming {@code topology}'s queue into {@code pool}.
   *
   * @param retryable job types to requeue when their child crashes (they must be idempotent)
   */
  public static RabbitWorker start(
      Connection connection, ProcessPool pool, RabbitTopology topology, Set<String> retryable)
      throws IOException {
    RabbitWorker worker = new RabbitWorker(connection, pool, topology, retryable, true);
    worker.consumerTag =
        worker.channel.basicConsume(topology.queue(), false, worker.new JobConsumer());
    return worker;
  }

  /** Deliveries being run now. */
  public int inFlight() {
    return inFlight.size();
  }

  /** The most deliveries ever run at once: never more than the pool's children. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  private final class JobConsumer extends DefaultConsumer {
    JobConsumer() {
      super(channel);
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
      onDelivery(envelope.getDeliveryTag(), properties, body);
    }
  }

  private void onDelivery(long tag, AMQP.BasicProperties properties, byte[] body) {
    long delivered = generation.get();
    Map<String, Object> headers = properties.getHeaders();
    String type = Wire.string(headers, Wire.TYPE);
    if (type == null) {
      answer(
          delivered,
          tag,
          properties,
          null,
          new PoolException(
              FailureCode.INVALID_REQUEST, -1, "the message has no " + Wire.TYPE + " header"));
      return;
    }
    Job<byte[]> job = Job.of(type, body);
    long timeoutMillis = Wire.number(headers, Wire.TIMEOUT_MS);
    if (timeoutMillis > 0) {
      job = job.withTimeout(Duration.ofMillis(timeoutMillis));
    }
    CompletableFuture<byte[]> future = pool.submit(job);
    inFlight.put(tag, future);
    maxInFlight.accumulateAndGet(inFlight.size(), Math::max);
    future.whenComplete(
        (result, failure) -> {
          inFlight.remove(tag);
          answer(delivered, tag, properties, result, cause(failure));
        });
  }

  private void answer(
      long delivered,
      long tag,
      AMQP.BasicProperties properties,
      byte[] result,
      PoolException failure) {
    synchronized (lock) {
      if (delivered != generation.get() || !channel.isOpen()) {
        return; // abandoned: the broker has requeued it, another host runs it
      }
      try {
        String type = Wire.string(properties.getHeaders(), Wire.TYPE);
        if (failure != null
            && (failure.code() == FailureCode.POOL_CLOSED
                || (failure.code() == FailureCode.CHILD_CRASHED && retryable.contains(type)))) {
          channel.basicNack(
              tag, false, true); // another attempt, here or elsewhere; the limit stops poison
          return;
        }
        if (properties.getReplyTo() != null && !properties.getReplyTo().isEmpty()) {
          AMQP.BasicProperties.Builder reply =
              new AMQP.BasicProperties.Builder().correlationId(properties.getCorrelationId());
          if (failure != null) {
            reply.headers(
                Map.of(
                    Wire.CODE,
                    failure.code().name(),
                    Wire.MESSAGE,
                    String.valueOf(failure.getMessage())));
          }
          channel.basicPublish(
              "", properties.getReplyTo(), reply.build(), failure == null ? result : new byte[0]);
        }
        channel.basicAck(tag, false); // after the answer went out
      } catch (IOException | RuntimeException e) {
        log.warn(
            "could not answer delivery {}: {}; the broker will redeliver it", tag, e.toString());
      }
    }
  }

  private void onChannelLost(String why) {
    generation.incrementAndGet();
    if (!inFlight.isEmpty()) {
      log.warn(
          "{}: broker channel lost ({}); abandoning {} jobs in flight{}",
          topology.queue(),
          why,
          inFlight.size(),
          killOnConnectionLoss ? " and replacing their children" : "");
      if (killOnConnectionLoss) {
        inFlight.values().forEach(f -> f.cancel(true)); // a zombie must not finish redelivered work
      }
    }
  }

  private static PoolException cause(Throwable failure) {
    if (failure == null) {
      return null;
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return cause instanceof PoolException pe
        ? pe
        : new PoolException(FailureCode.CANCELLED, -1, "the job was cancelled: " + cause);
  }

  /**
   * Cancels the consumer, lets the running jobs finish and ack (up to {@code drain}), then closes.
   */
  public void close(Duration drain) {
    try {
      synchronized (lock) {
        if (consumerTag != null && channel.isOpen()) {
          channel.basicCancel(consumerTag);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cancel: {}", e.toString());
    }
    long deadline = System.nanoTime() + drain.toNanos();
    while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      synchronized (lock) {
        if (channel.isOpen()) {
          channel.close();
        }
      }
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      log.debug("close: {}", e.toString());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
