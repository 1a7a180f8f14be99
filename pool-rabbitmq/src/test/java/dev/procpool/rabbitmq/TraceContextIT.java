package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.procpool.Job;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A job published under a span carries that span's W3C trace context through the real broker. */
class TraceContextIT {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @Test
  void submitUnderASpan_traceparentInTheDeliveredHeaders() throws Exception {
    String queue = "procpool.trace-it." + System.nanoTime();
    try (Connection connection = Broker.connect("procpool-test-trace", false);
        RabbitJobClient client =
            RabbitJobClient.connect(
                connection, new RabbitTopology(queue, 5, 100), Duration.ofSeconds(60), 10);
        Channel channel = connection.createChannel()) {
      SpanContext parent =
          SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
      try (Scope ignored = Span.wrap(parent).makeCurrent()) {
        client.submit(Job.of("echo", new byte[0]));
      }
      GetResponse[] got = new GetResponse[1];
      Broker.await(
          "the job in the queue",
          30,
          () -> {
            try {
              return (got[0] = channel.basicGet(queue, true)) != null;
            } catch (java.io.IOException e) {
              throw new AssertionError(e);
            }
          });
      assertEquals(
          "00-" + TRACE + "-" + SPAN + "-01",
          Wire.string(got[0].getProps().getHeaders(), "traceparent"));
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dead");
    }
  }
}
