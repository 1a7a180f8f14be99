package dev.procpool.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Submits jobs to the pools behind a queue and completes each future exactly once, with the result
 * or a {@link PoolException} of the same codes as a local pool.
 *
 * <ul>
 *   <li>Publisher confirms and mandatory publishing: a job the broker did not take fails at once
 *       ({@code QUEUE_FULL} when the queue is at its maximum length, {@code POOL_CLOSED} when no
 *       queue is bound).
 *   <li>Answers come back on direct reply-to, matched by correlation id; a second answer for the
 *       same job (it ran again after its host died) is ignored.
 *   <li>A client-side timeout ({@code JOB_TIMEOUT}), its timer cancelled as soon as the job ends,
 *       and a bound on outstanding jobs ({@code QUEUE_FULL} at once).
 *   <li>An answer without a correlation id, or for no job outstanding, is ignored and counted
 *       ({@link #ignoredAnswers}).
 *   <li>When the connection is lost, outstanding jobs fail with {@code POOL_CLOSED} (a job the
 *       broker confirmed may still run: execution is at least once).
 * </ul>
 *
 * Thread-safe.
 */
public final class RabbitJobClient implements AutoCloseable {
  private static final String REPLY_TO = Wire.DIRECT_REPLY_TO;

  private final RabbitTopology topology;
  private final Duration timeout;
  private final Semaphore outstanding;
  private final Connection connection;
  private volatile Channel channel; // replaced under lock when the broker closed it
  private volatile boolean closed;
  private final AtomicLong reopened = new AtomicLong();
  private final Object lock = new Object();
  private final String clientId = UUID.randomUUID().toString();
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, CompletableFuture<byte[]>> byCorrelation = new ConcurrentHashMap<>();
  private final ConcurrentNavigableMap<Long, String> unconfirmed = new ConcurrentSkipListMap<>();
  private final AtomicLong ignoredAnswers = new AtomicLong();
  private final ScheduledThreadPoolExecutor timer = timer();

  private RabbitJobClient(
      Connection connection, RabbitTopology topology, Duration timeout, int maxOutstanding)
      throws IOException {
    this.connection = connection;
    this.topology = topology;
    this.timeout = timeout;
    this.outstanding = new Semaphore(maxOutstanding);
    this.channel = open();
  }

  /** A channel with the topology declared, confirms on, and the answers' consumer registered. */
  private Channel open() throws IOException {
    Channel opened = connection.createChannel();
    try {
      topology.declare(opened);
      opened.confirmSelect();
      opened.addConfirmListener(new Confirms(opened));
      opened.addReturnListener(
          returned ->
              fail(
                  returned.getProperties().getCorrelationId(),
                  FailureCode.POOL_CLOSED,
                  "no queue took the job ("
                      + returned.getReplyText()
                      + "): is the topology declared?"));
      opened.addShutdownListener(cause -> onShutdown(opened, cause));
      // Direct reply-to: consume before publishing, with auto-ack, on this same channel.
      opened.basicConsume(REPLY_TO, true, new Answers(opened));
      return opened;
    } catch (IOException | RuntimeException e) {
      try {
        opened.abort();
      } catch (IOException | RuntimeException ignored) {
        // gone either way
      }
      throw e;
    }
  }

  private void onShutdown(Channel which, com.rabbitmq.client.ShutdownSignalException cause) {
    failAll(
        "the broker channel was lost ("
            + cause.getMessage()
            + "); a job the broker had confirmed may still run");
    // A lost connection that recovers brings this channel back itself; a channel the broker
    // closed on a live connection (a channel error) is gone for good: open another.
    if (!closed && !cause.isInitiatedByApplication() && !cause.isHardError() && which == channel) {
      scheduleReopen(0);
    }
  }

  private void scheduleReopen(long delayMillis) {
    try {
      timer.schedule(new ReopenTask(), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // the client is closed
    }
  }

  /** Opens a new channel after the broker closed the old one; retries every second until closed. */
  private final class ReopenTask implements Runnable {
    @Override
    public void run() {
      synchronized (lock) {
        if (closed || channel.isOpen()) {
          return;
        }
        try {
          channel = open();
          reopened.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          scheduleReopen(1_000);
        }
      }
    }
  }

  /** Channels opened after the broker closed one. */
  public long channelsReopened() {
    return reopened.get();
  }

  /** Why this client cannot submit now, or empty. */
  public java.util.Optional<String> problem() {
    return channel.isOpen()
        ? java.util.Optional.empty()
        : java.util.Optional.of(topology.queue() + ": the client's channel is closed (reopening)");
  }

  /** The live channel: for tests that break it from the broker's side. */
  Channel channel() {
    return channel;
  }

  /**
   * A client for {@code topology}'s queue.
   *
   * @param timeout the longest a submitter waits for an answer ({@code JOB_TIMEOUT})
   * @param maxOutstanding jobs submitted and not yet answered, at most
   */
  public static RabbitJobClient connect(
      Connection connection, RabbitTopology topology, Duration timeout, int maxOutstanding)
      throws IOException {
    if (maxOutstanding < 1) {
      throw new IllegalArgumentException("maxOutstanding must be >= 1: " + maxOutstanding);
    }
    return new RabbitJobClient(connection, topology, timeout, maxOutstanding);
  }

  /** Publishes the job; never blocks on the answer. */
  public CompletableFuture<byte[]> submit(Job<byte[]> job) {
    CompletableFuture<byte[]> future = new CompletableFuture<>();
    long id = ids.incrementAndGet();
    if (!outstanding.tryAcquire()) {
      future.completeExceptionally(
          new PoolException(
              FailureCode.QUEUE_FULL,
              id,
              topology.queue()
                  + ": job "
                  + id
                  + " ("
                  + job.type()
                  + ") refused: too many jobs outstanding"));
      return future;
    }
    String correlation = clientId + "-" + id;
    byCorrelation.put(correlation, future);
    ScheduledFuture<?> timeoutTask;
    try {
      timeoutTask =
          timer.schedule(new TimeoutTask(correlation), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      byCorrelation.remove(correlation);
      outstanding.release();
      future.completeExceptionally(
          new PoolException(
              FailureCode.POOL_CLOSED, id, topology.queue() + ": the client is closed"));
      return future;
    }
    future.whenComplete(
        (v, e) -> {
          // Removed from the timer's queue at once (remove-on-cancel): the queue holds only the
          // jobs outstanding, not rate x timeout of finished ones.
          timeoutTask.cancel(false);
          byCorrelation.remove(correlation);
          outstanding.release();
        });
    Map<String, Object> headers = new HashMap<>();
    headers.put(Wire.TYPE, job.type());
    job.timeout().ifPresent(t -> headers.put(Wire.TIMEOUT_MS, t.toMillis()));
    Tracing.CURRENT.inject(headers); // the caller's trace, when OpenTelemetry is there
    AMQP.BasicProperties properties =
        new AMQP.BasicProperties.Builder()
            .correlationId(correlation)
            .replyTo(REPLY_TO)
            .deliveryMode(2) // persistent: a quorum queue keeps it on disk anyway
            .headers(headers)
            .build();
    try {
      synchronized (lock) {
        unconfirmed.put(channel.getNextPublishSeqNo(), correlation);
        channel.basicPublish(
            RabbitTopology.EXCHANGE,
            topology.queue(),
            true,
            properties,
            job.payload().toByteArray());
      }
    } catch (IOException | RuntimeException e) {
      fail(correlation, FailureCode.POOL_CLOSED, "could not publish: " + e);
      return future;
    }
    return future;
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "procpool-rabbit-client-timeouts");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /** Fails a job no answer came for in time. */
  private final class TimeoutTask implements Runnable {
    private final String correlation;

    TimeoutTask(String correlation) {
      this.correlation = correlation;
    }

    @Override
    public void run() {
      fail(correlation, FailureCode.JOB_TIMEOUT, "no answer within " + timeout.toMillis() + " ms");
    }
  }

  /** Jobs submitted and not yet answered. */
  public int outstanding() {
    return byCorrelation.size();
  }

  /** Answers ignored: without a correlation id, or for a job no longer outstanding. */
  public long ignoredAnswers() {
    return ignoredAnswers.get();
  }

  /** Timeout tasks waiting in the timer: one per outstanding job at most. */
  int pendingTimeouts() {
    return timer.getQueue().size();
  }

  private void fail(String correlation, FailureCode code, String why) {
    CompletableFuture<byte[]> future = correlation == null ? null : byCorrelation.get(correlation);
    if (future != null) {
      future.completeExceptionally(new PoolException(code, -1, topology.queue() + ": " + why));
    }
  }

  private void failAll(String why) {
    for (String correlation : byCorrelation.keySet()) {
      fail(correlation, FailureCode.POOL_CLOSED, why);
    }
    unconfirmed.clear();
  }

  /** Confirms say the broker took the job (ack) or refused it (nack: the queue is full). */
  private final class Confirms implements ConfirmListener {
    private final Channel itsChannel;

    Confirms(Channel itsChannel) {
      this.itsChannel = itsChannel;
    }

    @Override
    public void handleAck(long seq, boolean multiple) {
      if (itsChannel == channel) {
        take(seq, multiple);
      }
    }

    @Override
    public void handleNack(long seq, boolean multiple) {
      if (itsChannel != channel) {
        return; // sequence numbers are per channel: an old one's mean nothing now
      }
      for (String correlation : take(seq, multiple)) {
        fail(
            correlation,
            FailureCode.QUEUE_FULL,
            "the broker refused the job: the queue is at its maximum length");
      }
    }

    private java.util.Collection<String> take(long seq, boolean multiple) {
      Map<Long, String> done =
          multiple ? unconfirmed.headMap(seq, true) : unconfirmed.subMap(seq, true, seq, true);
      java.util.List<String> correlations = new java.util.ArrayList<>(done.values());
      done.clear();
      return correlations;
    }
  }

  private final class Answers extends DefaultConsumer {
    Answers(Channel channel) {
      super(channel);
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
      String correlation = properties.getCorrelationId();
      CompletableFuture<byte[]> future =
          correlation == null ? null : byCorrelation.get(correlation);
      if (future == null) {
        // No id (never from a procpool worker), timed out already, or a second answer after a
        // redelivery. Counted, so a stream of strays shows.
        ignoredAnswers.incrementAndGet();
        return;
      }
      PoolException failure = Wire.failure(properties.getHeaders(), body, -1);
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(body);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    failAll("the client is closed");
    timer.shutdownNow();
    try {
      if (channel.isOpen()) {
        channel.close();
      }
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      // closing anyway
    }
  }
}
