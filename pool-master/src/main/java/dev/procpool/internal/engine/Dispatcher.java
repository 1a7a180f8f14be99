package dev.procpool.internal.engine;

import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.SkipAnswer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches queued jobs with idle children and sees each job to its end: result, remote error,
 * timeout, cancel, crash or retry. Owns the job queue, the LIFO idle deque and the busy count.
 *
 * <p>Confined to the engine's loop. Dispatch happens when a match may have become possible: a job
 * is queued ({@link #enqueue}, or back at the head after its child died) or a child frees ({@link
 * #offer}; with pipelining also when a child starts the job it held and has room for the next). It
 * knows nothing of processes: when a child must go (its job timed out, or was cancelled while
 * running), it says so through {@link Listener#onJobAbandoned} and the engine kills it.
 */
final class Dispatcher implements JobWatch.Expiry {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** Events the dispatcher reports; the engine acts on them. */
  interface Listener {
    /** The child's job was ended without its reply: the child must be killed and replaced. */
    void onJobAbandoned(ChildSlot child, String reason);

    /** Jobs wait with no child free; a dynamic pool may grow. */
    void onBacklog(int queued);
  }

  /** What a reply left the child doing. */
  enum AfterReply {
    /** The reply was not for the job the child runs: a protocol error, nothing was touched. */
    UNEXPECTED,
    /** The child has no job: offer it one, or retire it. */
    FREE,
    /** The job sent ahead to the child started (pipelining). */
    NEXT_STARTED,
    /** The child was asked to skip the job sent ahead, and has not answered yet. */
    AWAITING_SKIP_ANSWER,
    /** The child started a job sent ahead that was cancelled meanwhile: it must be killed. */
    ABANDONED
  }

  private final String poolName;
  private final Loop loop;
  private final Admission admission;
  private final Set<String> retryable;
  private final int maxAttempts;
  private final Listener listener;
  private final IntSupplier liveChildren;
  private final JobQueue queue = new JobQueue();
  private final JobWatch watch;
  private final PoolMetrics metrics;

  /** Jobs sent ahead to busy children, or null without pipelining. */
  private final Pipelining pipelining;

  /** Recent mean run time (an exponential moving average), for the expected queue wait. */
  private long meanRunNanos;

  private final ArrayDeque<ChildSlot> idle = new ArrayDeque<>();
  private final Counts published;
  private int busy;
  private CompletableFuture<Void> drained;

  Dispatcher(
      String poolName,
      Loop loop,
      Admission admission,
      Set<String> retryable,
      int maxAttempts,
      Counts published,
      Listener listener,
      IntSupplier liveChildren,
      long slowThresholdNanos,
      PoolMetrics metrics,
      SendAhead sendAhead) {
    this.poolName = poolName;
    this.loop = loop;
    this.admission = admission;
    this.retryable = Set.copyOf(retryable);
    this.maxAttempts = maxAttempts;
    this.published = published;
    this.listener = listener;
    this.liveChildren = liveChildren;
    this.metrics = metrics;
    this.pipelining =
        sendAhead == null ? null : new Pipelining(loop, admission, metrics, listener, sendAhead);
    if (pipelining != null) {
      pipelining.host(
          new Pipelining.Host() {
            @Override
            public void begin(ChildSlot child, PendingJob<?> job) {
              Dispatcher.this.begin(child, job);
            }

            @Override
            public void putBack(PendingJob<?> job) {
              queue.putBack(job);
            }

            @Override
            public void rematch() {
              dispatch();
              checkDrained();
            }
          });
    }
    this.watch = new JobWatch(poolName, loop, slowThresholdNanos, metrics, this);
  }

  /** An admitted job reaches the loop. */
  void enqueue(PendingJob<?> job) {
    checkInLoop();
    if (job.deadlineNanos() != 0) {
      long left = job.deadlineNanos() - loop.nanoTime();
      if (left <= 0) {
        admission.release();
        job.fail(
            Failure.DEADLINE_EXCEEDED,
            message(job, "reached the pool after its deadline; it never ran"));
        return;
      }
      job.deadlineTimer(loop.schedule(() -> onQueuedPastDeadline(job), left));
    }
    queue.addLast(job);
    dispatch();
    if (!queue.isEmpty()) {
      listener.onBacklog(queue.size());
    }
  }

  /** A child is ready for a job: just started, or finished one. */
  void offer(ChildSlot child) {
    checkInLoop();
    child.idleSince(loop.nanoTime());
    idle.addLast(child);
    dispatch();
    if (pipelining != null && queue.isEmpty() && !idle.isEmpty()) {
      pipelining.recallForIdleChild();
    }
    checkDrained();
  }

  private void dispatch() {
    while (!queue.isEmpty()) {
      if (!idle.isEmpty()) {
        // LIFO idle keeps the most recently used, JIT-hot children busy.
        start(idle.pollLast(), queue.pollFirst());
      } else if (pipelining == null || !pipelining.sendOne(queue, meanRunNanos)) {
        break;
      }
    }
    publish();
  }

  /** The child's watchdog answered a skip request (pipelining); null if nothing changes. */
  AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
    checkInLoop();
    return pipelining == null ? null : pipelining.onSkipAnswer(child, answer);
  }

  /** The child's control connection closed: no skip answer will come from it. */
  void onControlClosed(ChildSlot child) {
    checkInLoop();
    if (pipelining != null) {
      pipelining.onControlClosed(child);
    }
  }

  /**
   * A broadcast waits for this child: the job it holds goes to another, so the broadcast is next.
   */
  void recallFrom(ChildSlot child) {
    checkInLoop();
    if (pipelining != null) {
      pipelining.recallFrom(child);
    }
  }

  private void publish() {
    int queued = queued();
    admission.publishIdle(idle.size());
    int busy = busy();
    published.publish(queued, busy, idle.size());
    // What a job submitted now would wait: nothing with a child idle, else its share of the queue.
    published.publishExpectedWait(
        idle.isEmpty() ? (queued + 1L) * meanRunNanos / Math.max(1, busy) : 0);
  }

  /** The deadline passed while the job waited: it leaves the queue without running. */
  private void onQueuedPastDeadline(PendingJob<?> job) {
    job.deadlineTimer(null);
    if (job.isQueued()) {
      ChildSlot holder = job.aheadOn();
      leaveQueue(job);
      admission.release();
      job.fail(
          Failure.DEADLINE_EXCEEDED,
          message(
              job,
              holder == null
                  ? "waited in the queue past its deadline; it never ran"
                  : "waited past its deadline behind the job of "
                      + holder
                      + ", which was told to skip it"));
      checkDrained();
    }
  }

  /**
   * A queued job leaves the queue without running: out of the queue, or, if a child holds it, that
   * child is told to skip it (if the child started it all the same, its reply says so, and the
   * child is killed as for a running job).
   */
  private void leaveQueue(PendingJob<?> job) {
    ChildSlot holder = job.aheadOn();
    if (holder == null) {
      queue.remove(job);
    } else {
      pipelining.endedWhileHeld(holder);
    }
  }

  /** Runs a job on this child now; the job was counted as waiting. */
  private void start(ChildSlot child, PendingJob<?> job) {
    begin(child, job);
    child.link().send(job.request());
  }

  /** The job starts on the child (sent now, or held there since it was sent ahead). */
  private void begin(ChildSlot child, PendingJob<?> job) {
    admission.release();
    job.started();
    job.span().started(child.id(), child.pid(), job.runs());
    child.assign(job);
    busy++;
    // The time limit is the job's timeout or the caller's deadline, whichever comes first. Armed
    // before the write: a write that fails at once ends the job, which cancels the timers.
    long limit = TimeUnit.MILLISECONDS.toNanos(job.timeoutMillis());
    long toDeadline =
        job.deadlineNanos() == 0 ? 0 : Math.max(1, job.deadlineNanos() - loop.nanoTime());
    if (toDeadline > 0 && (limit == 0 || toDeadline < limit)) {
      watch.arm(child, job, toDeadline, Failure.DEADLINE_EXCEEDED);
    } else {
      watch.arm(child, job, limit, Failure.JOB_TIMEOUT);
    }
    if (pipelining != null) {
      pipelining.started(child);
    }
  }

  /**
   * A child answered. Returns {@link AfterReply#UNEXPECTED}, touching nothing, when the reply is
   * not for the job it runs: a protocol error, for the engine to handle.
   */
  AfterReply onReply(ChildSlot child, JobReply reply) {
    checkInLoop();
    PendingJob<?> job = child.job();
    if (job == null && pipelining != null) {
      AfterReply early = pipelining.startedBeforeAnswer(child, reply.getJobId());
      if (early == AfterReply.FREE) {
        return early; // the held job had been cancelled: it is over, the child is free
      }
      job = child.job();
    }
    if (job == null || job.id() != reply.getJobId()) {
      return AfterReply.UNEXPECTED;
    }
    long roundTrip = loop.nanoTime() - job.startedNanos();
    meanRunNanos = meanRunNanos == 0 ? roundTrip : meanRunNanos + (roundTrip - meanRunNanos) / 8;
    child.cost(reply.getCpuNanos(), reply.getAllocatedBytes());
    metrics.jobCost(
        job.type(),
        reply.getCpuNanos(),
        reply.getAllocatedBytes(),
        reply.getRunNanos() > 0 ? Math.max(0, roundTrip - reply.getRunNanos()) : -1);
    end(child, job);
    if (reply.hasResult()) {
      job.succeed(reply.getResult());
    } else {
      failRemotely(job, child, reply.getError());
    }
    return pipelining == null
        ? AfterReply.FREE
        : pipelining.afterReply(child, reply.getChildExiting());
  }

  /** The child's watchdog answered a stack request. */
  void onStack(ChildSlot child, dev.procpool.protocol.StackReply reply) {
    checkInLoop();
    watch.onStack(child, reply);
  }

  /** A running job reached its limit (timeout or deadline): it fails, its child is killed. */
  @Override
  public void expire(ChildSlot child, PendingJob<?> job, Failure code, String why, String stack) {
    if (child.job() != job || job.isDone()) {
      return;
    }
    end(child, job);
    // Fail first, then kill: the caller hears at once, however long the kill takes.
    job.fail(code, message(job, why), null, stack);
    listener.onJobAbandoned(child, "job " + job.id() + " ran past its limit");
    checkDrained();
  }

  /** Runs a pinned job (broadcast) on this child, which is idle or just finished a job. */
  void startPinned(ChildSlot child, PendingJob<?> job) {
    checkInLoop();
    idle.remove(child);
    start(child, job);
    publish();
  }

  /** The child broke the protocol: its job fails; the engine kills the child. */
  void onProtocolError(ChildSlot child, String what) {
    checkInLoop();
    PendingJob<?> job = child.job();
    if (job != null) {
      end(child, job);
      job.fail(Failure.PROTOCOL_ERROR, message(job, child + " " + what));
    }
    PendingJob<?> maybeRan = pipelining == null ? null : pipelining.onChildLost(child);
    if (maybeRan != null) { // it may have started: it fails as if running
      maybeRan.fail(Failure.PROTOCOL_ERROR, message(maybeRan, child + " " + what));
    }
    detach(child);
    dispatch();
    checkDrained();
  }

  /** The child's process is gone. Its job fails with {@code CHILD_CRASHED}, or is retried. */
  void onChildLost(ChildSlot child, ChildDeath death) {
    String how = death.cause();
    String output =
        death.lastLines().isEmpty()
            ? ""
            : "; its last output:\n  " + String.join("\n  ", death.lastLines());
    checkInLoop();
    detach(child);
    // A held job never ran and goes back to the queue, ahead of it the running job's retry; one
    // whose skip answer was owed may have started, and is treated as running.
    PendingJob<?> maybeRan = pipelining == null ? null : pipelining.onChildLost(child);
    for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
      if (!pinned.isDone()) { // a cancelled one was released already
        admission.release();
        pinned.fail(
            Failure.CHILD_CRASHED,
            message(pinned, child + " " + how + " before it could run this job") + output);
      }
    }
    PendingJob<?> job = child.job();
    if (job != null) {
      end(child, job);
      lostWith(child, job, how, output);
    } else if (maybeRan != null) {
      lostWith(child, maybeRan, how, output);
    }
    dispatch();
    checkDrained();
  }

  /** The job was running (or may have been) when its child died: it fails, or is retried. */
  private void lostWith(ChildSlot child, PendingJob<?> job, String how, String output) {
    String what = child + " " + how + " while running job " + job.id() + " (" + job.type() + ")";
    if (!retryable.contains(job.type())) {
      job.fail(Failure.CHILD_CRASHED, message(job, what) + output);
    } else if (job.runs() >= maxAttempts) {
      log.error(
          "{}: job {} ({}) killed its child on all {} runs; quarantined",
          poolName,
          job.id(),
          job.type(),
          job.runs());
      job.fail(
          Failure.POISON_JOB,
          message(
                  job,
                  "killed its child on each of its "
                      + job.runs()
                      + " runs and will not run again; last: "
                      + what)
              + output);
    } else if (drained == null) {
      // Idempotent by the user's word: back to the head of the queue, ahead of newer jobs.
      log.warn("{}: {}; retrying it (run {} of {})", poolName, what, job.runs() + 1, maxAttempts);
      job.requeued();
      admission.admitUnbounded();
      queue.addFirst(job); // dispatched by onChildLost, after the held job went back too
    } else {
      job.fail(
          Failure.CHILD_CRASHED,
          message(job, what + "; not retried: the pool is closing") + output);
    }
  }

  /**
   * The user cancelled the job's future. A queued job leaves the queue in O(1). A running job's
   * child is abandoned (killed) when {@code interrupt}; otherwise the job runs on and its outcome
   * is dropped. {@code runningOn} is the child running it, or null.
   */
  void cancel(PendingJob<?> job, ChildSlot runningOn, boolean interrupt) {
    checkInLoop();
    if (job.isDone()) {
      return;
    }
    if (job.isQueued() && job.aheadOn() != null && !interrupt) {
      // Sent ahead: skipped if the child has not started it, else it runs and its outcome is
      // dropped.
      job.discard();
      pipelining.recall(job.aheadOn());
    } else if (job.isQueued()) {
      leaveQueue(job);
      admission.release();
      job.cancelled();
    } else if (runningOn != null && !interrupt) {
      job.discard();
    } else if (runningOn != null) {
      end(runningOn, job);
      job.cancelled();
      listener.onJobAbandoned(runningOn, "job " + job.id() + " was cancelled while running");
    } else {
      job.cancelled(); // pinned and not started: it stays pinned and is skipped when its turn comes
      admission.release();
    }
    checkDrained();
  }

  /** Fails every queued job; used when children cannot be started. */
  void failQueued(Failure code, String reason) {
    checkInLoop();
    for (PendingJob<?> job = queue.pollFirst(); job != null; job = queue.pollFirst()) {
      admission.release();
      job.fail(code, message(job, reason));
    }
    checkDrained();
  }

  /** No more jobs from now on; the future completes when nothing is queued or running. */
  CompletableFuture<Void> drain() {
    checkInLoop();
    if (drained == null) {
      drained = new CompletableFuture<>();
    }
    checkDrained();
    return drained;
  }

  /** After the drain deadline: fails what is queued or running; the engine kills busy children. */
  void abandonAll(String reason, List<ChildSlot> children) {
    checkInLoop();
    drain();
    failQueued(Failure.POOL_CLOSED, reason);
    for (ChildSlot child : children) {
      PendingJob<?> held = pipelining == null ? null : pipelining.onPoolClosed(child);
      if (held != null) {
        held.fail(Failure.POOL_CLOSED, message(held, reason + "; it was sent ahead to " + child));
      }
      PendingJob<?> job = child.job();
      if (job != null) {
        end(child, job);
        job.fail(Failure.POOL_CLOSED, message(job, reason + "; it was still running in " + child));
        listener.onJobAbandoned(child, "pool closed with job " + job.id() + " running");
      }
      for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
        if (!pinned.isDone()) {
          admission.release();
          pinned.fail(Failure.POOL_CLOSED, message(pinned, reason));
        }
      }
    }
    watch.stop();
    checkDrained();
  }

  /** The child may take no more jobs (it is leaving); it is no longer offered any. */
  void detach(ChildSlot child) {
    checkInLoop();
    if (idle.remove(child)) {
      publish();
    }
  }

  /** Takes every idle child out of the idle deque, most recently used last. */
  List<ChildSlot> takeIdle() {
    checkInLoop();
    List<ChildSlot> all = new ArrayList<>(idle);
    idle.clear();
    publish();
    return all;
  }

  /** Queued jobs, with those sent ahead to a child and not yet started there. */
  int queued() {
    return queue.size() + (pipelining == null ? 0 : pipelining.queued());
  }

  /** Children with a job, and those owing a skip answer (busy, no job yet). */
  int busy() {
    return busy + (pipelining == null ? 0 : pipelining.awaiting());
  }

  int idle() {
    return idle.size();
  }

  boolean isDraining() {
    return drained != null;
  }

  /** The pool's state for error messages, in HikariCP style. */
  String stateLine() {
    return "children="
        + liveChildren.getAsInt()
        + " busy="
        + busy()
        + " idle="
        + idle.size()
        + " queued="
        + queued();
  }

  String message(PendingJob<?> job, String what) {
    return poolName
        + ": job "
        + job.id()
        + " ("
        + job.type()
        + ") "
        + what
        + " ("
        + stateLine()
        + ")";
  }

  private void end(ChildSlot child, PendingJob<?> job) {
    watch.disarm(child);
    if (child.job() == job) {
      child.release();
      busy--;
    }
  }

  private void checkDrained() {
    publish();
    if (drained != null
        && queue.isEmpty()
        && busy() == 0
        && (pipelining == null || pipelining.held() == 0)) {
      drained.complete(null);
    }
  }

  private void failRemotely(PendingJob<?> job, ChildSlot child, JobError error) {
    boolean unknownType = error.getCode() == dev.procpool.protocol.FailureCode.UNKNOWN_JOB_TYPE;
    String message =
        unknownType
            ? error.getMessage()
            : error.getErrorClass()
                + (error.getMessage().isEmpty() ? "" : ": " + error.getMessage())
                + " (in "
                + child
                + ")";
    job.fail(
        unknownType ? Failure.UNKNOWN_JOB_TYPE : Failure.JOB_FAILED,
        poolName + ": job " + job.id() + " (" + job.type() + ") failed: " + message,
        error.getErrorClass().isEmpty() ? null : error.getErrorClass(),
        error.getRemoteStack().isEmpty() ? null : error.getRemoteStack());
  }

  private void checkInLoop() {
    if (!loop.inLoop()) {
      throw new IllegalStateException("Dispatcher used outside its loop");
    }
  }
}
