package dev.procpool.internal.engine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One submitted job: its request, its future, and where it is (waiting, queued, running, done).
 *
 * <p>State is touched on the engine's loop only. {@link #succeed}, {@link #fail} and {@link
 * #cancelled} take effect once; a second call is a bug, logged and ignored, so a future can never
 * be completed twice by the pool. Futures complete on the callback executor, never on the loop,
 * because {@link CompletableFuture} runs dependent stages on the completing thread. Once done, the
 * job drops its payload: a completed future keeps no request bytes reachable.
 */
public final class PendingJob<T> {
  private static final Logger log = LoggerFactory.getLogger(PendingJob.class);

  /** Turns result bytes into the user's type. */
  @FunctionalInterface
  public interface ResultReader<T> {
    T read(ByteString result) throws Exception;
  }

  private final long id;
  private final String type;
  private final long timeoutMillis;
  private final ResultReader<T> reader;
  private final CompletableFuture<T> future;
  private final Context context;
  private ByteString payload;
  private JobSpan span = JobSpan.NOOP;

  private boolean done;
  private boolean queued;
  private boolean running;

  /** Cancelled by the user while running, without interrupting it: its outcome is dropped. */
  private boolean discarded;

  /** Pipelining: the child this job was sent ahead to, while it waits there; else null. */
  private ChildSlot aheadOn;

  private long queuedNanos;
  private long startedNanos;
  private int runs;
  private Loop.Timer slowTimer;
  private Loop.Timer deadlineTimer;
  private long deadlineNanos;
  private long deadlineEpochMillis;

  /** What every job of one pool shares: where completions go, the clock, metrics, failures. */
  public record Context(
      Loop loop,
      Executor completions,
      PoolMetrics metrics,
      Failure.Factory failures,
      String poolName) {}

  public PendingJob(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      ResultReader<T> reader,
      CompletableFuture<T> future,
      Context context) {
    this.id = id;
    this.type = type;
    this.payload = payload;
    this.timeoutMillis = timeoutMillis;
    this.reader = reader;
    this.future = future;
    this.context = context;
  }

  public long id() {
    return id;
  }

  public String type() {
    return type;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  public CompletableFuture<T> future() {
    return future;
  }

  public boolean isDone() {
    return done;
  }

  /** In the queue, waiting for a child. */
  boolean isQueued() {
    return queued;
  }

  /** Queued, but sent ahead to this child, where it waits behind the running job; or null. */
  ChildSlot aheadOn() {
    return aheadOn;
  }

  void aheadOn(ChildSlot child) {
    this.aheadOn = child;
  }

  /** Cancelled without interrupting: it may still run, and its outcome is dropped. */
  boolean isDiscarded() {
    return discarded;
  }

  /** Running in a child. */
  boolean isRunning() {
    return running;
  }

  void queued(boolean queued) {
    this.queued = queued;
    if (queued) {
      queuedNanos = context.loop().nanoTime();
      if (runs == 0) {
        context.metrics().jobQueued(type);
      }
    }
  }

  /** The job's trace; set before it is enqueued. */
  public PendingJob<T> trace(JobSpan span) {
    this.span = span;
    return this;
  }

  JobSpan span() {
    return span;
  }

  /** A child starts it now; {@code queuedNanos} is when it was queued (now, for a pinned job). */
  void started() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel(); // it left the queue in time
      deadlineTimer = null;
    }
    long now = context.loop().nanoTime();
    queued = false;
    running = true;
    startedNanos = now;
    runs++;
    context.metrics().jobStarted(type, queuedNanos == 0 ? 0 : now - queuedNanos);
  }

  /** Pinned jobs (broadcast) never enter the queue: their wait starts when they are pinned. */
  void pinned() {
    queuedNanos = context.loop().nanoTime();
  }

  /** How many times a child started this job (more than once only for retryable jobs). */
  public int runs() {
    return runs;
  }

  /** Back to the queue after its child died: it is no longer running anywhere. */
  void requeued() {
    running = false;
    startedNanos = 0;
    cancelTimers();
  }

  public long startedNanos() {
    return startedNanos;
  }

  void slowTimer(Loop.Timer timer) {
    this.slowTimer = timer;
  }

  void deadlineTimer(Loop.Timer timer) {
    this.deadlineTimer = timer;
  }

  /** The caller's deadline on the loop's clock, 0 for none. */
  long deadlineNanos() {
    return deadlineNanos;
  }

  /** True while a timer is scheduled for this job; never once it is done. */
  boolean holdsTimer() {
    return slowTimer != null || deadlineTimer != null;
  }

  /**
   * The size of this job's request frame body, computed without building it: a payload that does
   * not fit {@code maxFrameBytes} is refused at submit ({@code INVALID_REQUEST}), never sent.
   */
  public static long requestBytes(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      long deadlineEpochMillis,
      JobSpan span) {
    long job =
        CodedOutputStream.computeInt64Size(JobRequest.JOB_ID_FIELD_NUMBER, id)
            + CodedOutputStream.computeStringSize(JobRequest.TYPE_FIELD_NUMBER, type)
            + (payload.isEmpty()
                ? 0
                : CodedOutputStream.computeTagSize(JobRequest.PAYLOAD_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt64SizeNoTag(payload.size())
                    + (long) payload.size())
            + (timeoutMillis == 0
                ? 0
                : CodedOutputStream.computeInt64Size(
                    JobRequest.TIMEOUT_MILLIS_FIELD_NUMBER, timeoutMillis))
            + (deadlineEpochMillis == 0
                ? 0
                : CodedOutputStream.computeInt64Size(
                    JobRequest.DEADLINE_EPOCH_MILLIS_FIELD_NUMBER, deadlineEpochMillis))
            + (span.traceparent().isEmpty()
                ? 0
                : CodedOutputStream.computeStringSize(
                    JobRequest.TRACEPARENT_FIELD_NUMBER, span.traceparent()))
            + (span.tracestate().isEmpty()
                ? 0
                : CodedOutputStream.computeStringSize(
                    JobRequest.TRACESTATE_FIELD_NUMBER, span.tracestate()));
    return CodedOutputStream.computeTagSize(ToChild.JOB_FIELD_NUMBER)
        + CodedOutputStream.computeUInt64SizeNoTag(job)
        + job;
  }

  ToChild request() {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType(type)
                .setPayload(payload)
                .setTimeoutMillis(timeoutMillis)
                .setDeadlineEpochMillis(deadlineEpochMillis)
                .setTraceparent(span.traceparent())
                .setTracestate(span.tracestate()))
        .build();
  }

  /** Completes the future with the decoded result. */
  void succeed(ByteString result) {
    long ran = ranNanos();
    if (!markDone("succeed")) {
      return;
    }
    if (discarded) {
      span.ended(Failure.CANCELLED, "cancelled by the caller; its outcome was dropped");
      return;
    }
    complete(
        () -> {
          T value;
          try {
            value = reader.read(result);
          } catch (Throwable e) { // an Error in the user's parser still completes this future, once
            future.completeExceptionally(
                context
                    .failures()
                    .create(
                        Failure.PROTOCOL_ERROR,
                        id,
                        context.poolName()
                            + ": job "
                            + id
                            + " ("
                            + type
                            + "): result of "
                            + result.size()
                            + " bytes could not be read: "
                            + e));
            return;
          }
          future.complete(value);
        });
    span.ended(null, null);
    context
        .metrics()
        .jobSucceeded(
            type, ran); // after the completion is handed over: a metrics bug must not lose it
  }

  /** Fails the future with the pool's exception for {@code code}. */
  void fail(Failure code, String message) {
    fail(code, message, null, null);
  }

  void fail(Failure code, String message, String remoteClass, String remoteStack) {
    long ran = ranNanos();
    if (!markDone("fail")) {
      return;
    }
    if (discarded) {
      span.ended(Failure.CANCELLED, "cancelled by the caller; its outcome was dropped");
      return;
    }
    RuntimeException error = context.failures().create(code, id, message, remoteClass, remoteStack);
    complete(() -> future.completeExceptionally(error));
    span.ended(code, message);
    context.metrics().jobFailed(type, code, ran);
  }

  /**
   * The user cancelled the future without interrupting a running job ({@code cancel(false)}): the
   * job runs to its end in its child, which stays, and its outcome is dropped. Its timeout still
   * holds.
   */
  void discard() {
    if (!discarded) {
      discarded = true;
      context.metrics().jobDiscarded(type);
    }
  }

  /** Marks the job done without touching the future: the user already cancelled it. */
  void cancelled() {
    long ran = ranNanos();
    if (markDone("cancel")) {
      span.ended(Failure.CANCELLED, "cancelled by the caller");
      context.metrics().jobFailed(type, Failure.CANCELLED, ran);
    }
  }

  private long ranNanos() {
    return running ? context.loop().nanoTime() - startedNanos : -1;
  }

  private boolean markDone(String how) {
    if (done) {
      log.error("bug: job {} ({}) was already done; ignoring {}", id, type, how);
      return false;
    }
    done = true;
    queued = false;
    running = false;
    payload = null;
    cancelTimers();
    return true;
  }

  private void cancelTimers() {
    if (slowTimer != null) {
      slowTimer.cancel();
      slowTimer = null;
    }
    if (deadlineTimer != null) {
      deadlineTimer.cancel();
      deadlineTimer = null;
    }
  }

  /**
   * The caller's deadline: {@code nanos} on the loop's clock (for the queue and the time limit),
   * {@code epochMillis} for the handler ({@code JobContext.deadline()}). Set before the job is
   * enqueued.
   */
  public PendingJob<T> deadline(long nanos, long epochMillis) {
    this.deadlineNanos = nanos;
    this.deadlineEpochMillis = epochMillis;
    return this;
  }

  private void complete(Runnable completion) {
    try {
      context.completions().execute(completion);
    } catch (RejectedExecutionException e) {
      // The user's executor is shut down; completing here still keeps "exactly once".
      completion.run();
    }
  }
}
