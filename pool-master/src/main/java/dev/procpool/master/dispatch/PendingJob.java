package dev.procpool.master.dispatch;

import com.google.protobuf.ByteString;
import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import dev.procpool.master.children.ChildSlot;
import dev.procpool.master.metrics.PoolMetrics;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One submitted job: its request, its future, and where it is (queued, running in a child, done).
 *
 * <p>State is touched on the pool's event loop only. {@link #succeed} and {@link #fail} take
 * effect once; a second call is a bug, logged and ignored, so a future can never be completed
 * twice by the pool. Futures are completed on the callback executor, never on the loop, because
 * {@link CompletableFuture} runs dependent stages on the completing thread.
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
  private final ByteString payload;
  private final long timeoutMillis;
  private final ResultReader<T> reader;
  private final Executor callbacks;
  private final CompletableFuture<T> future;
  private final PoolMetrics metrics;

  private boolean done;
  private long queuedNanos;
  private int runs;
  private boolean queued;
  private ChildSlot child;
  private long startedNanos;
  private ScheduledFuture<?> timeoutTask;

  public PendingJob(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      ResultReader<T> reader,
      Executor callbacks,
      CompletableFuture<T> future,
      PoolMetrics metrics) {
    this.metrics = metrics;
    this.id = id;
    this.type = type;
    this.payload = payload;
    this.timeoutMillis = timeoutMillis;
    this.reader = reader;
    this.callbacks = callbacks;
    this.future = future;
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

  boolean isQueued() {
    return queued;
  }

  void queued(boolean queued) {
    this.queued = queued;
    if (queued) {
      queuedNanos = System.nanoTime();
      if (runs == 0) {
        metrics.jobQueued(type);
      }
    }
  }

  /** The child running this job, or null. */
  public ChildSlot child() {
    return child;
  }

  void running(ChildSlot child, long nowNanos) {
    this.child = child;
    this.startedNanos = nowNanos;
    runs++;
    metrics.jobStarted(type, nowNanos - queuedNanos);
  }

  /** How many times a child started this job (more than once only for retryable jobs). */
  public int runs() {
    return runs;
  }

  /** Back to the queue after its child died: it is no longer running anywhere. */
  void requeued() {
    child = null;
    startedNanos = 0;
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
      timeoutTask = null;
    }
  }

  public long startedNanos() {
    return startedNanos;
  }

  void timeoutTask(ScheduledFuture<?> task) {
    this.timeoutTask = task;
  }

  ToChild request() {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType(type)
                .setPayload(payload)
                .setTimeoutMillis(timeoutMillis))
        .build();
  }

  /** Completes the future with the decoded result. */
  public void succeed(ByteString result) {
    if (!markDone("succeed")) {
      return;
    }
    metrics.jobSucceeded(type, System.nanoTime() - startedNanos);
    complete(
        () -> {
          T value;
          try {
            value = reader.read(result);
          } catch (Exception e) {
            future.completeExceptionally(
                new PoolException(
                    FailureCode.PROTOCOL_ERROR,
                    id,
                    "job " + id + " (" + type + "): result of " + result.size()
                        + " bytes could not be read: " + e));
            return;
          }
          future.complete(value);
        });
  }

  /** Fails the future with {@code error}. */
  public void fail(PoolException error) {
    long ran = startedNanos == 0 ? -1 : System.nanoTime() - startedNanos;
    if (!markDone("fail")) {
      return;
    }
    metrics.jobFailed(type, error.code(), ran);
    complete(() -> future.completeExceptionally(error));
  }

  /** Marks the job done without touching the future: the user already cancelled it. */
  void cancelled() {
    long ran = startedNanos == 0 ? -1 : System.nanoTime() - startedNanos;
    if (markDone("cancel")) {
      metrics.jobFailed(type, FailureCode.CANCELLED, ran);
    }
  }

  private boolean markDone(String how) {
    if (done) {
      log.error("bug: job {} ({}) was already done; ignoring {}", id, type, how);
      return false;
    }
    done = true;
    child = null;
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
      timeoutTask = null;
    }
    return true;
  }

  private void complete(Runnable completion) {
    try {
      callbacks.execute(completion);
    } catch (RejectedExecutionException e) {
      // The user's executor is shut down; completing here still keeps "exactly once".
      completion.run();
    }
  }
}
