package dev.procpool.rabbitmq;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * The queues procpool uses on a broker, declared idempotently with every setting explicit: a
 * durable direct exchange {@code procpool}; a quorum queue (replicated by Raft) bound to it under
 * its own name, with a delivery limit whose poison jobs are dead-lettered at least once into {@code
 * <queue>.dead}, and a maximum length past which publishes are refused ({@code reject-publish}:
 * back-pressure the submitter sees as {@code QUEUE_FULL}). Declaring again with the same settings
 * is a no-op; with other settings the broker refuses (PRECONDITION_FAILED).
 *
 * @param queue the work queue's name
 * @param deliveryLimit deliveries of one job before it is dead-lettered (a poison job)
 * @param maxLength jobs the queue holds before it refuses publishes
 */
public record RabbitTopology(String queue, int deliveryLimit, int maxLength) {
  public static final String EXCHANGE = "procpool";
  public static final String DEFAULT_QUEUE = "procpool.jobs";

  public RabbitTopology {
    Objects.requireNonNull(queue, "queue");
    if (queue.isEmpty() || queue.length() > 200) {
      throw new IllegalArgumentException("queue must be 1..200 characters: '" + queue + "'");
    }
    if (deliveryLimit < 1) {
      throw new IllegalArgumentException("deliveryLimit must be >= 1: " + deliveryLimit);
    }
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1: " + maxLength);
    }
  }

  /** {@code procpool.jobs}-style defaults: 5 deliveries, 100,000 jobs. */
  public static RabbitTopology of(String queue) {
    return new RabbitTopology(queue, 5, 100_000);
  }

  /** Where poison jobs end. */
  public String deadLetterQueue() {
    return queue + ".dead";
  }

  /** Declares the exchange, both queues and the binding. */
  public void declare(Channel channel) throws IOException {
    channel.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true);
    channel.queueDeclare(deadLetterQueue(), true, false, false, Map.of("x-queue-type", "quorum"));
    channel.queueDeclare(
        queue,
        true,
        false,
        false,
        Map.of(
            "x-queue-type", "quorum",
            "x-delivery-limit", deliveryLimit,
            "x-dead-letter-exchange", "",
            "x-dead-letter-routing-key", deadLetterQueue(),
            "x-dead-letter-strategy", "at-least-once",
            "x-overflow", "reject-publish",
            "x-max-length", maxLength));
    channel.queueBind(queue, EXCHANGE, queue);
  }
}
