package dev.procpool.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's channel and consumer, kept as they should be. One {@link WatchTask}, on this link's
 * own thread, compares what is with what is wanted, every {@link #WATCH_MILLIS} and after every
 * event: it opens a new channel (declare) when the broker closed the old one, for whatever reason
 * (connection lost and recovered, a channel error, the queue deleted), and consumes while {@code
 * wanted} says so, cancels while it does not.
 *
 * <p>The consumer's prefetch follows {@code prefetch}. A per-consumer prefetch is fixed when the
 * consumer registers (RabbitMQ applies {@code basic.qos} to consumers registered after it; global
 * QoS is not for quorum queues), so a new value means a new consumer on the same channel: the old
 * one is cancelled, its unacked deliveries stay on the channel and are settled as before. The
 * wanted value is read where an event already happens (a settled delivery, the watch task), never
 * polled for; a change wakes the watch task, which alone registers consumers. Until the replaced
 * consumer's deliveries are settled, both consumers' deliveries are in hand at once.
 *
 * <p>Every channel gets a generation. A delivery remembers the generation it came on; once that
 * channel is gone, nothing is acked on a newer one under its tag (tags are per channel). An old
 * channel that the client library would recover by itself is aborted first: one consumer at a time.
 *
 * <p>Thread-safe. Channel operations are serialized on one lock. The shutdown listener and the
 * consumer callbacks never take it: they run on the client library's threads, which complete the
 * RPCs the lock holder may be waiting for.
 */
final class ConsumerLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerLink.class);
  static final long WATCH_MILLIS = 500;

  /** Where deliveries and losses go. */
  interface Deliveries {
    void onDelivery(long generation, long tag, AMQP.BasicProperties properties, byte[] body);

    /** The channel of {@code generation} is gone: its deliveries can no longer be settled. */
    void onChannelLost(long generation, String why);
  }

  /** One operation on the live channel. */
  interface ChannelAction {
    void run(Channel channel) throws IOException;
  }

  private final Connection connection;
  private final RabbitTopology topology;
  private final IntSupplier prefetch;
  private final BooleanSupplier wanted;
  private final Deliveries deliveries;
  private final Object lock = new Object();
  private final AtomicLong generation = new AtomicLong();
  private final AtomicLong channelsOpened = new AtomicLong();
  private final ScheduledExecutorService watch;

  /** The live channel, or null; written under the lock, read by listeners without it. */
  private volatile Channel channel;

  /** The live channel's generation: deliveries of any other one cannot be settled. */
  private volatile long channelGeneration = -1;

  private String consumerTag; // guarded by lock
  private int consumerPrefetch; // guarded by lock: the live consumer's, 0 without one
  private int channelQos; // guarded by lock: the live channel's last basic.qos, 0 before any

  /** A prefetch change has woken the watch task, which has not looked yet: wake it once. */
  private final AtomicBoolean prefetchChanged = new AtomicBoolean();

  private boolean closed; // guarded by lock
  private String lastWarning; // only the watch thread
  private volatile String problem = "not started";

  ConsumerLink(
      Connection connection,
      RabbitTopology topology,
      IntSupplier prefetch,
      BooleanSupplier wanted,
      Deliveries deliveries) {
    this.connection = connection;
    this.topology = topology;
    this.prefetch = prefetch;
    this.wanted = wanted;
    this.deliveries = deliveries;
    this.watch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "procpool-rabbit-watch-" + topology.queue());
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Opens the first channel here, so a broker that refuses the topology fails the caller. */
  void start() throws IOException {
    synchronized (lock) {
      open();
      if (wanted.getAsBoolean()) {
        consume();
      }
    }
    watch.scheduleWithFixedDelay(
        new WatchTask(), WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Asks the watch task to look now (after an event that may change what is wanted). */
  void kick() {
    try {
      watch.execute(new WatchTask());
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the link is closed: nothing to bring back
    }
  }

  /** Whether a delivery of {@code generation} is still on the live channel. */
  boolean isCurrent(long generation) {
    return generation == this.generation.get() && generation == channelGeneration;
  }

  boolean consuming() {
    synchronized (lock) {
      return consumerTag != null;
    }
  }

  /** Why there is no live channel, or null while there is one. */
  String problem() {
    return problem;
  }

  /** The live channel or null: for tests that break it from the broker's side. */
  Channel channel() {
    return channel;
  }

  long channelsOpened() {
    return channelsOpened.get();
  }

  /** The live consumer's prefetch, or 0 while not consuming. */
  int prefetch() {
    synchronized (lock) {
      return consumerPrefetch;
    }
  }

  /**
   * Runs {@code action} on the live channel if a delivery of {@code generation} can still be
   * settled there. A failure before anything was sent (content headers over the frame limit) is
   * rethrown, the channel being fine; any other failure aborts the channel, so the broker requeues
   * everything it had handed out: never a delivery left unsettled on a channel that goes on.
   *
   * @return false when the delivery's channel is gone (the broker requeued the delivery already)
   */
  boolean settle(long generation, ChannelAction action) {
    synchronized (lock) {
      Channel live = channel;
      if (!isCurrent(generation) || live == null || !live.isOpen()) {
        return false;
      }
      try {
        action.run(live);
        followPrefetch();
        return true;
      } catch (IllegalArgumentException refusedBeforeSending) {
        throw refusedBeforeSending;
      } catch (IOException | RuntimeException e) {
        log.warn(
            "{}: a channel operation failed ({}); closing the channel",
            topology.queue(),
            e.toString());
        abort(live); // the listener sees it: a new generation, reopened by the watch task
        return false;
      }
    }
  }

  /** Under the lock: a cheap look at the wanted prefetch; a change wakes the watch task once. */
  private void followPrefetch() {
    if (consumerTag != null
        && consumerPrefetch != prefetch.getAsInt()
        && prefetchChanged.compareAndSet(false, true)) {
      kick();
    }
  }

  /** Cancels the consumer now; the watch task registers it again once it is wanted. */
  void cancelConsumer() {
    synchronized (lock) {
      cancel();
    }
  }

  /** Cancels the consumer for good (before a drain); the channel stays open to settle. */
  void stopConsuming() {
    synchronized (lock) {
      closed = true;
      cancel();
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      cancel();
      Channel live = channel;
      channel = null;
      if (live != null) {
        try {
          live.close();
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
          abort(live);
        }
      }
      problem = "closed";
    }
    watch.shutdownNow();
  }

  /** Brings the channel and the consumer to what is wanted; the watch task's one job. */
  private final class WatchTask implements Runnable {
    @Override
    public void run() {
      prefetchChanged.set(false); // before the look: a change after it wakes us again
      try {
        synchronized (lock) {
          if (closed) {
            return;
          }
          Channel live = channel;
          if (live == null || !live.isOpen() || channelGeneration != generation.get()) {
            reopen(live);
            if (channel == null) {
              return;
            }
          }
          boolean want = wanted.getAsBoolean();
          if (want && consumerTag == null) {
            consume();
          } else if (!want && consumerTag != null) {
            cancel();
          } else if (want && consumerPrefetch != prefetch.getAsInt()) {
            cancel(); // a consumer's prefetch is fixed at basic.consume: replace the consumer
            consume();
          }
        }
      } catch (IOException | RuntimeException e) {
        String why = e.toString();
        if (!why.equals(lastWarning)) { // every 500 ms would flood the log
          log.warn(
              "{}: cannot consume yet (retrying every {} ms): {}",
              topology.queue(),
              WATCH_MILLIS,
              why);
        }
        lastWarning = why;
      }
    }
  }

  private void reopen(Channel stale) throws IOException {
    channel = null;
    consumerTag = null;
    consumerPrefetch = 0;
    if (stale != null) {
      abort(stale); // a recovering connection would otherwise bring it back with its consumer
    }
    if (!connection.isOpen()) {
      problem = "the broker connection is closed (waiting for it to come back)";
      return;
    }
    open();
    lastWarning = null;
    log.info("{}: channel reopened (generation {})", topology.queue(), generation.get());
  }

  private void open() throws IOException {
    Channel opened = connection.createChannel();
    try {
      topology.declare(opened);
    } catch (IOException | RuntimeException e) {
      abort(opened);
      problem = "cannot open a channel: " + e;
      throw e;
    }
    long current = generation.incrementAndGet();
    channelGeneration = current;
    opened.addShutdownListener(cause -> onShutdown(opened, current, cause));
    channel = opened;
    channelQos = 0;
    channelsOpened.incrementAndGet();
    problem = null;
  }

  private void consume() throws IOException {
    Channel live = channel;
    int wantedPrefetch = prefetch.getAsInt();
    if (wantedPrefetch != channelQos) {
      // Per consumer, for the consumers registered after it (never global QoS with quorum queues).
      live.basicQos(wantedPrefetch);
      channelQos = wantedPrefetch;
    }
    consumerTag =
        live.basicConsume(topology.queue(), false, new JobConsumer(live, generation.get()));
    consumerPrefetch = wantedPrefetch;
  }

  private void cancel() {
    Channel live = channel;
    if (consumerTag != null && live != null && live.isOpen()) {
      try {
        live.basicCancel(consumerTag);
      } catch (IOException | RuntimeException e) {
        log.debug("{}: cancel: {}", topology.queue(), e.toString());
      }
    }
    consumerTag = null;
    consumerPrefetch = 0;
  }

  private static void abort(Channel channel) {
    try {
      channel.abort();
    } catch (IOException | RuntimeException e) {
      log.debug("abort: {}", e.toString()); // gone either way
    }
  }

  /** Any thread of the client library; no lock. */
  private void onShutdown(Channel which, long itsGeneration, ShutdownSignalException cause) {
    if (generation.compareAndSet(itsGeneration, itsGeneration + 1)) {
      String why =
          (cause.isInitiatedByApplication()
                  ? "the channel was closed here: "
                  : "the broker closed the channel: ")
              + cause.getMessage();
      problem = why;
      deliveries.onChannelLost(itsGeneration, why);
      kick();
    }
  }

  private void onCancelledByBroker(long itsGeneration) {
    // The queue was deleted (or the node holding it went): start again from a fresh channel,
    // which declares the queue again.
    if (generation.compareAndSet(itsGeneration, itsGeneration + 1)) {
      problem = "the broker cancelled the consumer (queue deleted?)";
      deliveries.onChannelLost(itsGeneration, problem);
      kick();
    }
  }

  private final class JobConsumer extends DefaultConsumer {
    private final long itsGeneration;

    JobConsumer(Channel channel, long itsGeneration) {
      super(channel);
      this.itsGeneration = itsGeneration;
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
      if (itsGeneration != generation.get()) {
        return; // an old channel's consumer: the broker requeues it when that channel goes
      }
      deliveries.onDelivery(itsGeneration, envelope.getDeliveryTag(), properties, body);
    }

    @Override
    public void handleCancel(String tag) {
      onCancelledByBroker(itsGeneration);
    }
  }
}
