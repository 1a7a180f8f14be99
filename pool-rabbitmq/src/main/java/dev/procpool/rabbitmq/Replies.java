package dev.procpool.rabbitmq;

import com.rabbitmq.client.AMQP;
import dev.procpool.PoolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a job's answer to its reply-to address and then acks the delivery. A failure's message
 * goes in the body whole and in the {@code procpool-message} header cut ({@link
 * Wire#headerMessage}): headers must fit one frame. An answer the client library refuses to send is
 * counted and its delivery dead-lettered; any other failure aborts the channel ({@link
 * ConsumerLink#settle}), so no delivery is ever left unsettled. Thread-safe.
 */
final class Replies {
  private static final Logger log = LoggerFactory.getLogger(Replies.class);

  private final ConsumerLink link;
  private final RabbitTopology topology;
  private final AtomicLong unanswerable = new AtomicLong();

  Replies(ConsumerLink link, RabbitTopology topology) {
    this.link = link;
    this.topology = topology;
  }

  /** Answers that could not be published (dead-lettered instead). */
  long unanswerable() {
    return unanswerable.get();
  }

  void answer(
      long generation,
      long tag,
      AMQP.BasicProperties properties,
      byte[] result,
      PoolException failure) {
    String replyTo = properties.getReplyTo();
    try {
      link.settle(
          generation,
          channel -> {
            if (replyTo != null && !replyTo.isEmpty()) {
              AMQP.BasicProperties.Builder reply =
                  new AMQP.BasicProperties.Builder().correlationId(properties.getCorrelationId());
              byte[] body = result;
              if (failure != null) {
                String message = String.valueOf(failure.getMessage());
                reply.headers(
                    Map.of(
                        Wire.CODE, failure.code().name(),
                        Wire.MESSAGE, Wire.headerMessage(message)));
                body = message.getBytes(StandardCharsets.UTF_8);
              }
              channel.basicPublish("", replyTo, reply.build(), body);
            }
            channel.basicAck(tag, false); // after the answer went out
          });
    } catch (IllegalArgumentException refused) {
      // Nothing was sent (the client refused the message before writing it): the channel is fine.
      // The job ran; running it again would fail the same way. The dead-letter queue keeps it.
      unanswerable.incrementAndGet();
      log.warn(
          "{}: could not publish the answer of delivery {} ({}); dead-lettered",
          topology.queue(),
          tag,
          refused.getMessage());
      link.settle(generation, channel -> channel.basicReject(tag, false));
    }
  }
}
