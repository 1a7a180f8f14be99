package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The link against the real local RabbitMQ: its prefetch follows what is wanted. */
class ConsumerLinkIT {
  private final String queue = "procpool.link-it." + System.nanoTime();
  private final RabbitTopology topology = new RabbitTopology(queue, 5, 1_000);
  private Connection connection;
  private ConsumerLink link;

  @BeforeEach
  void connect() throws Exception {
    connection = Broker.connect("procpool-test-link", false);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (link != null) {
      link.close();
    }
    try (Channel channel = connection.createChannel()) {
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dead");
    }
    connection.close();
  }

  private record Delivery(long generation, long tag) {}

  @Test
  void prefetchRaised_aSettleWakesTheWatch_consumerReplaced_broughtUpToTheNewPrefetch()
      throws Exception {
    AtomicInteger wanted = new AtomicInteger(2);
    List<Delivery> received = new CopyOnWriteArrayList<>();
    link =
        new ConsumerLink(
            connection,
            topology,
            wanted::get,
            () -> true,
            new ConsumerLink.Deliveries() {
              @Override
              public void onDelivery(
                  long generation, long tag, AMQP.BasicProperties properties, byte[] body) {
                received.add(new Delivery(generation, tag));
              }

              @Override
              public void onChannelLost(long generation, String why) {}
            });
    link.start();
    try (Channel publisher = connection.createChannel()) {
      for (int i = 0; i < 10; i++) {
        publisher.basicPublish("", queue, null, new byte[] {(byte) i});
      }
      Broker.await("2 deliveries", 30, () -> received.size() == 2);
      assertEquals(2, link.prefetch());
      assertEquals(8, ready(publisher), "no third delivery beyond a prefetch of 2");

      wanted.set(5);
      Delivery first = received.get(0);
      assertTrue(link.settle(first.generation(), c -> c.basicAck(first.tag(), false)));
      // The ack woke the watch task, which replaced the consumer: the new one gets 5 of its own.
      // The old one may have been handed one more for the slot the ack freed before its cancel.
      Broker.await(
          "5 more deliveries",
          30,
          () ->
              link.prefetch() == 5
                  && received.size() >= 7
                  && received.size() + ready(publisher) == 10);
      int inHand = received.size() - 1;
      assertTrue(inHand == 6 || inHand == 7, "in hand: " + inHand);
      assertTrue(inHand <= 2 + 5, "never more than the old prefetch and the new one together");
      assertEquals(1, link.channelsOpened(), "the same channel: nothing was requeued");

      // The deliveries of the replaced consumer are still settled on the channel.
      for (Delivery d : received.subList(1, received.size())) {
        assertTrue(link.settle(d.generation(), c -> c.basicAck(d.tag(), false)));
      }
      Broker.await("the rest", 30, () -> received.size() == 10);
    }
  }

  private long ready(Channel channel) {
    try {
      return channel.queueDeclarePassive(queue).getMessageCount();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
