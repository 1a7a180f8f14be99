package dev.procpool.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a local {@link ProcessPool} to a queue: each delivery runs as one job, with manual
 * acknowledgement, and the broker hands this host no more jobs than its pool can run or hold: the
 * prefetch is {@code children × pool.depth()} ({@link Prefetch}: never below the children, capped
 * at 256), so each busy child has its next job in hand across the broker's round trip (Celery's
 * {@code acks_late}, with a prefetch that follows the pool's capacity).
 *
 * <p>The depth comes from recent run times: short jobs get up to 16 per child, long jobs 1 or 2, so
 * a host holds at most about one long job per child beyond the ones it runs and does not hoard work
 * another host could start now. The prefetch is looked at when a delivery settles and the consumer
 * re-registered only when it changes ({@link ConsumerLink}).
 *
 * <ul>
 *   <li>A job's answer is published (to its direct reply-to address) before the delivery is acked;
 *       the failure message in the header is cut, the whole of it goes in the body. A delivery
 *       whose reply-to names anything else is refused (dead-lettered), never run.
 *   <li>Every delivery is settled: acked, requeued or rejected. A publish that fails aborts the
 *       channel, so the broker requeues it: never a hole in the prefetch.
 *   <li>A job that never ran here ({@code SPAWN_FAILED}, {@code UNKNOWN_JOB_TYPE}, {@code
 *       POOL_CLOSED}, {@code QUEUE_FULL}) is requeued and this host stops consuming for a while
 *       ({@link NeverRanBackoff}), and for as long as its pool reports a problem. Its last allowed
 *       delivery is answered with the code, so a job no host can run ends once, as a local pool's.
 *   <li>A job whose child crashed, of a type declared retryable, is requeued; the queue's delivery
 *       limit dead-letters a job that keeps killing children.
 *   <li>A job's {@code procpool-timeout-ms} is capped at the pool's job timeout.
 *   <li>When the channel is lost, the jobs in flight are abandoned: never acked later (the broker
 *       has requeued them), and their children are killed. The channel is reopened and the consumer
 *       registered again ({@link ConsumerLink}); {@link #problem} says why it is not consuming
 *       meanwhile.
 *   <li>{@link #close} cancels the consumer first and lets the jobs in hand finish and ack, held
 *       ones included: they run here, after the running ones (the pool cannot yet say whether a
 *       held job has started, so none is taken back while it might be running). Whatever is
 *       unfinished when the drain ends goes back to the queue as the channel closes: a held job the
 *       pool skips never starts here; a running one is killed with its child and runs again on
 *       another host, as if this one had died.
 * </ul>
 *
 * Thread-safe.
 */
public final class RabbitWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RabbitWorker.class);

  private final ProcessPool pool;
  private final RabbitTopology topology;
  private final Set<String> retryable;
  private final ConsumerLink link;
  private final NeverRanBackoff backoff = new NeverRanBackoff();
  private final Replies replies;
  private final AtomicLong deliveryIds = new AtomicLong();

  /** Deliveries being run, by a worker-wide id (tags repeat across channels): settled when done. */
  private final Map<Long, Running> inFlight = new ConcurrentHashMap<>();

  private final AtomicInteger maxInFlight = new AtomicInteger();

  /** Deliveries whose job has not ended yet (settling ones excluded): what maxInFlight counts. */
  private final AtomicInteger running = new AtomicInteger();

  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong requeued = new AtomicLong();
  private volatile boolean closing;

  private record Running(
      long generation, CompletableFuture<byte[]> job, CompletableFuture<?> settled) {}

  private RabbitWorker(
      Connection connection, ProcessPool pool, RabbitTopology topology, Set<String> retryable) {
    this.pool = pool;
    this.topology = topology;
    this.retryable = Set.copyOf(retryable);
    this.link =
        new ConsumerLink(
            connection,
            topology,
            () -> Prefetch.of(Math.max(1, pool.size()), pool.depth()), // follows a resize
            this::wantsToConsume,
            new Handler());
    this.replies = new Replies(link, topology);
  }

  /**
   * Starts consuming {@code topology}'s queue into {@code pool}.
   *
   * @param retryable job types to requeue when their child crashes (they must be idempotent)
   */
  public static RabbitWorker start(
      Connection connection, ProcessPool pool, RabbitTopology topology, Set<String> retryable)
      throws IOException {
    RabbitWorker worker = new RabbitWorker(connection, pool, topology, retryable);
    worker.link.start();
    return worker;
  }

  /** Deliveries in hand now: running, or waiting in the pool for a child, or being settled. */
  public int inFlight() {
    return inFlight.size();
  }

  /**
   * The most deliveries whose jobs were unfinished at once (running or held in the pool): never
   * more than the prefetch in force ({@link #prefetch}), except for the moment after the consumer
   * is replaced (a new prefetch, the end of a pause) while the old one's deliveries finish: then
   * never more than the two prefetches together.
   */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /**
   * The live consumer's prefetch, {@code children × pool.depth()} (at least the children, at most
   * 256 unless the children alone are more), or 0 while not consuming.
   */
  public int prefetch() {
    return link.prefetch();
  }

  /** Whether the broker may hand this worker jobs now. */
  public boolean consuming() {
    return link.consuming();
  }

  /**
   * Why this worker is not consuming when it should (no channel, the pool's problem, closed), or
   * empty while it consumes. A short pause after a job that never ran is not a problem: see {@link
   * #pausedBecause}.
   */
  public Optional<String> problem() {
    if (closing) {
      return Optional.of(topology.queue() + ": not consuming: the worker is closed");
    }
    String channel = link.problem();
    if (channel != null) {
      return Optional.of(topology.queue() + ": not consuming: " + channel);
    }
    return pool.problem().map(p -> topology.queue() + ": not consuming: " + p);
  }

  /** Why consumption pauses for a few seconds (a job that never ran here), or empty. */
  public Optional<String> pausedBecause() {
    return Optional.ofNullable(backoff.reason());
  }

  /** Deliveries refused unrun: no type, or a reply-to other than direct reply-to. */
  public long refusedDeliveries() {
    return refused.get();
  }

  /** Deliveries given back to the queue (never ran here, or a retryable crash). */
  public long requeuedDeliveries() {
    return requeued.get();
  }

  /** Answers that could not be published (dead-lettered instead). */
  public long unanswerableDeliveries() {
    return replies.unanswerable();
  }

  /** Channels opened, the first included: more than one means the broker closed some. */
  public long channelsOpened() {
    return link.channelsOpened();
  }

  /** The live link, for tests that break its channel from the broker's side. */
  ConsumerLink link() {
    return link;
  }

  private boolean wantsToConsume() {
    return !closing && !backoff.paused() && pool.problem().isEmpty();
  }

  private final class Handler implements ConsumerLink.Deliveries {
    @Override
    public void onDelivery(
        long generation, long tag, AMQP.BasicProperties properties, byte[] body) {
      run(generation, tag, properties, body);
    }

    @Override
    public void onChannelLost(long generation, String why) {
      int abandoned = 0;
      for (Running running : inFlight.values()) {
        if (running.generation() == generation && running.job().cancel(true)) {
          abandoned++; // a zombie must not finish redelivered work: its child is replaced
        }
      }
      if (abandoned > 0 || !closing) {
        log.warn("{}: {}; abandoned {} jobs in flight", topology.queue(), why, abandoned);
      }
    }
  }

  private void run(long generation, long tag, AMQP.BasicProperties properties, byte[] body) {
    String replyTo = properties.getReplyTo();
    if (replyTo != null && !replyTo.isEmpty() && !Wire.isDirectReplyTo(replyTo)) {
      // Anyone who may publish to the queue could otherwise make workers write into any queue.
      refused.incrementAndGet();
      log.warn(
          "{}: refused a delivery whose reply-to is '{}', not a direct reply-to address ({}...); dead-lettered",
          topology.queue(),
          replyTo.length() > 100 ? replyTo.substring(0, 100) + "..." : replyTo,
          Wire.DIRECT_REPLY_TO);
      link.settle(generation, channel -> channel.basicReject(tag, false));
      return;
    }
    Map<String, Object> headers = properties.getHeaders();
    String type = Wire.string(headers, Wire.TYPE);
    if (type == null) {
      refused.incrementAndGet();
      settle(
          generation,
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
      // A publisher may shorten a job's limit, never lengthen it past this host's.
      job = job.withTimeout(Duration.ofMillis(Math.min(timeoutMillis, limitMillis())));
    }
    long id = deliveryIds.incrementAndGet();
    CompletableFuture<byte[]> future;
    // The publisher's trace is current while the pool takes the job (the pool captures it).
    try (TraceContext.Scope trace = Tracing.CURRENT.extract(headers)) {
      future = pool.submit(job);
    }
    CompletableFuture<Void> settled = new CompletableFuture<>();
    inFlight.put(id, new Running(generation, future, settled)); // before it can complete
    maxInFlight.accumulateAndGet(running.incrementAndGet(), Math::max);
    future.whenComplete(
        (result, failure) -> {
          // Counted out before the ack: the ack lets the broker send the next delivery, which
          // must not be counted as running beside a job that has already ended.
          running.decrementAndGet();
          try {
            settle(generation, tag, properties, result, cause(failure));
          } finally {
            inFlight.remove(id);
            settled.complete(null);
          }
        });
  }

  private long limitMillis() {
    try {
      return pool.config().jobTimeout().toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private void settle(
      long generation,
      long tag,
      AMQP.BasicProperties properties,
      byte[] result,
      PoolException failure) {
    Map<String, Object> headers = properties.getHeaders();
    String type = Wire.string(headers, Wire.TYPE);
    Settlement settlement =
        Settlement.of(
            failure,
            type != null && retryable.contains(type),
            Wire.number(headers, Wire.DELIVERY_COUNT),
            topology.deliveryLimit());
    if (failure == null || !Settlement.NEVER_RAN.contains(failure.code())) {
      backoff.onRan();
    }
    switch (settlement) {
      case REQUEUE, REQUEUE_AND_PAUSE -> {
        if (settlement == Settlement.REQUEUE_AND_PAUSE) {
          backoff.onNeverRan(failure.getMessage());
          // Cancelled before the job goes back, so the broker cannot hand it straight back here.
          link.cancelConsumer();
        }
        if (link.settle(generation, channel -> channel.basicNack(tag, false, true))) {
          requeued.incrementAndGet();
          log.info(
              "{}: gave back a {} job (delivery count {}): {}",
              topology.queue(),
              type,
              Wire.number(headers, Wire.DELIVERY_COUNT),
              failure.getMessage());
        }
      }
      case ANSWER -> replies.answer(generation, tag, properties, result, failure);
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
    closing = true;
    link.stopConsuming();
    CompletableFuture<?>[] running =
        inFlight.values().stream().map(Running::settled).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(running).get(drain.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "{}: {} jobs unfinished (running or held) after the {} ms drain: the broker will requeue them",
          topology.queue(),
          inFlight.size(),
          drain.toMillis());
    }
    link.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
