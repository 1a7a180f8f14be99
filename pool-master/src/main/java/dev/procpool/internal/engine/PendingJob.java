package dev.procpool.internal.engine;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.ToChild;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * One submitted job: its request, its future, and its one lifecycle.
 *
 * <pre>
 *          enqueue            start                 reply, failure, cancel
 *   NEW ------------> QUEUED --------> RUNNING ---------------------------> DONE
 *    |  pin            | ^  \ send ahead  ^  |                              ^
 *    +--> PINNED ------|-|---\------------+  +-- child died, retryable --> QUEUED (head)
 *    |                 | |    v           |
 *    |                 | +-- HELD --------+   (held: returned when its child cannot run it)
 *    +-----------------+------+-----------------------------------------> DONE
 *        refused, past its deadline, cancelled, pool closed (never ran)
 * </pre>
 *
 * <p>Every change of state goes through {@link #to}, the one place that checks the transition is
 * allowed, keeps the pool's {@link JobLedger} counts, and acquires or releases the job's {@link
 * Admission}: leaving the waiting states (new, queued, held, pinned) releases it, a retry going
 * back to the queue takes it again. So "released exactly once" holds by construction. The caller
 * that creates a job must have admitted it ({@link Admission#admit} or {@link
 * Admission#admitUnbounded}).
 *
 * <p>A transition the diagram does not allow, completing a job twice among them, is a programmer
 * error: it is refused (a future is never completed twice) and reported to the pool's {@link
 * Defects} with the job's and its child's state.
 *
 * <p>Touched on the engine's loop only; a {@code NEW} job may be refused off the loop once the loop
 * is gone. Futures complete on the callback executor, never on the loop, because {@link
 * CompletableFuture} runs dependent stages on the completing thread. Once done, the job drops its
 * payload: a completed future keeps no request bytes reachable.
 */
public final class PendingJob<T> {
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
  private final JobContext context;
  private ByteString payload;
  private JobSpan span = JobSpan.NOOP;

  private JobState state = JobState.NEW;

  /** The child that holds, runs or is pinned this job; null while new, queued or done. */
  private ChildSlot child;

  /** Cancelled by the user while held or running, without interrupting: its outcome is dropped. */
  private boolean discarded;

  private long queuedNanos;
  private long startedNanos;
  private int runs;
  private Loop.Timer slowTimer;
  private Loop.Timer deadlineTimer;
  private long deadlineNanos;
  private long deadlineEpochMillis;

  public PendingJob(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      ResultReader<T> reader,
      CompletableFuture<T> future,
      JobContext context) {
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

  public JobState state() {
    return state;
  }

  public boolean isDone() {
    return state == JobState.DONE;
  }

  /** The child that holds (sent ahead), runs or is pinned this job; else null. */
  ChildSlot child() {
    return child;
  }

  /** Cancelled without interrupting: it may still run, and its outcome is dropped. */
  boolean isDiscarded() {
    return discarded;
  }

  // ---- the transitions: every change of state is one of these, through to() ----

  /**
   * Into the queue: new, back from the child that held it (never ran), or a retry after its child
   * died (its run counts; its timers end).
   */
  void toQueue() {
    JobState from = state;
    if (to(JobState.QUEUED, "queue")) {
      child = null;
      if (from != JobState.HELD) {
        queuedNanos = context.loop().nanoTime();
      }
      if (from == JobState.NEW) {
        context.metrics().jobQueued(type);
      } else if (from == JobState.RUNNING) {
        startedNanos = 0;
        cancelTimers();
      }
    }
  }

  /** Sent ahead to {@code holder}, to start after its running job. */
  void toHeld(ChildSlot holder) {
    if (to(JobState.HELD, "send ahead")) {
      child = holder;
    }
  }

  /** Pinned to one child (broadcast): it never enters the queue, its wait starts now. */
  void toPinned(ChildSlot on) {
    if (to(JobState.PINNED, "pin")) {
      child = on;
      queuedNanos = context.loop().nanoTime();
    }
  }

  /** Starts on {@code on} now: its run time starts, the deadline no longer counts as waiting. */
  void toRunning(ChildSlot on) {
    if (!to(JobState.RUNNING, "start")) {
      return;
    }
    child = on;
    if (deadlineTimer != null) {
      deadlineTimer.cancel(); // it left the queue in time
      deadlineTimer = null;
    }
    long now = context.loop().nanoTime();
    startedNanos = now;
    runs++;
    context.metrics().jobStarted(type, queuedNanos == 0 ? 0 : now - queuedNanos);
    span.started(on.id(), on.pid(), runs);
  }

  /** Completes the future with the decoded result. */
  void succeed(ByteString result) {
    long ran = ranNanos();
    if (!finish("succeed")) {
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
    // After the completion is handed over: a metrics bug must not lose it.
    context.metrics().jobSucceeded(type, ran);
  }

  /** Fails the future with the pool's exception for {@code code}. */
  void fail(Failure code, String message) {
    fail(code, message, null, null);
  }

  void fail(Failure code, String message, String remoteClass, String remoteStack) {
    long ran = ranNanos();
    if (!finish("fail")) {
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

  /** Done without touching the future: the user already cancelled it. */
  void cancelled() {
    long ran = ranNanos();
    if (finish("cancel")) {
      span.ended(Failure.CANCELLED, "cancelled by the caller");
      context.metrics().jobFailed(type, Failure.CANCELLED, ran);
    }
  }

  /**
   * A new job the loop never took (it is gone: the pool closed meanwhile): failed off the loop,
   * which releases its admission like any other end. Only for a {@code NEW} job.
   */
  public void refuse(Failure code, String message) {
    fail(code, message);
  }

  /**
   * The user cancelled the future without interrupting a held or running job ({@code
   * cancel(false)}): it runs to its end in its child, which stays, and its outcome is dropped. Its
   * timeout still holds. Not a transition: the job stays where it is.
   */
  void discard() {
    if (!discarded) {
      discarded = true;
      context.metrics().jobDiscarded(type);
    }
  }

  private boolean finish(String how) {
    if (!to(JobState.DONE, how)) {
      return false; // done already: never a second completion
    }
    child = null;
    payload = null;
    cancelTimers();
    return true;
  }

  /** The one transition method: checks, counts, and moves the admission. */
  private boolean to(JobState next, String event) {
    JobState from = state;
    if (!from.allows(next)) {
      context.defects().report(this + ": " + event + " is not allowed once " + from);
      return false;
    }
    state = next;
    context.ledger().moved(from, next);
    if (from.waiting() && !next.waiting()) {
      context.admission().release();
    } else if (!from.waiting() && next.waiting()) {
      context.admission().admitUnbounded(); // a retry waits again: bounded by the children
    }
    return true;
  }

  // ---- the rest of the job ----

  /** The job's trace; set before it is enqueued. */
  public PendingJob<T> trace(JobSpan span) {
    this.span = span;
    return this;
  }

  JobSpan span() {
    return span;
  }

  /** How many times a child started this job (more than once only for retryable jobs). */
  public int runs() {
    return runs;
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

  /** The size of a job's request frame body; see {@link RequestFrames#bytes}. */
  public static long requestBytes(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      long deadlineEpochMillis,
      JobSpan span) {
    return RequestFrames.bytes(id, type, payload, timeoutMillis, deadlineEpochMillis, span);
  }

  ToChild request() {
    return RequestFrames.request(id, type, payload, timeoutMillis, deadlineEpochMillis, span);
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

  private long ranNanos() {
    return state == JobState.RUNNING ? context.loop().nanoTime() - startedNanos : -1;
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

  private void complete(Runnable completion) {
    try {
      context.completions().execute(completion);
    } catch (RejectedExecutionException e) {
      // The user's executor is shut down; completing here still keeps "exactly once".
      completion.run();
    }
  }

  /** The job and where it is, for defects and logs. */
  @Override
  public String toString() {
    return "job "
        + id
        + " ("
        + type
        + ") "
        + state
        + (discarded ? " discarded" : "")
        + (child == null ? "" : " on " + child + " " + child.state());
  }
}
