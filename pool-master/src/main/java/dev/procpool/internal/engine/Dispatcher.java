package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Matches queued jobs with idle children: owns the job queue, the LIFO idle deque and the drain.
 * How each job ends (reply, timeout, cancel, crash, retry) is {@link JobEnds}'s part; where a job
 * is, its {@link JobState}, is the job's own.
 *
 * <p>Confined to the engine's loop. Dispatch happens when a match may have become possible: a job
 * is queued ({@link #enqueue}, or back at the head after its child died) or a child frees ({@link
 * #offer}; with pipelining also when a child starts the job it held and has room for the next).
 * Counts are derived: queued and held from the {@link JobLedger}, busy from the running jobs and
 * the children awaiting a skip answer.
 */
final class Dispatcher {
  /** Events the dispatcher reports; the engine acts on them. */
  interface Listener {
    /** The child's job was ended without its reply: the child must be killed and replaced. */
    void onJobAbandoned(ChildSlot child, String reason);

    /** Jobs wait with no child free; a dynamic pool may grow. */
    void onBacklog(int queued);
  }

  private final String poolName;
  private final Loop loop;
  private final Admission admission;
  private final JobLedger ledger;
  private final Listener listener;
  private final IntSupplier liveChildren;
  private final JobQueue queue;
  private final JobWatch watch;
  private final Pipelining pipelining;
  private final ArrayDeque<ChildSlot> idle = new ArrayDeque<>();
  private final Counts published;

  /** Recent mean run time (an exponential moving average), for the expected queue wait. */
  private long meanRunNanos;

  private CompletableFuture<Void> drained;

  Dispatcher(
      String poolName,
      Loop loop,
      Admission admission,
      JobLedger ledger,
      Counts published,
      Listener listener,
      IntSupplier liveChildren,
      JobWatch watch,
      Pipelining pipelining) {
    this.poolName = poolName;
    this.loop = loop;
    this.admission = admission;
    this.ledger = ledger;
    this.published = published;
    this.listener = listener;
    this.liveChildren = liveChildren;
    this.queue = new JobQueue(ledger);
    this.watch = watch;
    this.pipelining = pipelining;
  }

  /** What held jobs call back into: start, go back to the queue, match again. */
  Pipelining.Host pipeliningHost() {
    return new Pipelining.Host() {
      @Override
      public void begin(ChildSlot child, PendingJob<?> job) {
        Dispatcher.this.begin(child, job);
      }

      @Override
      public void putBack(PendingJob<?> job) {
        queue.addFirst(job);
      }

      @Override
      public void rematch() {
        dispatch();
        checkDrained();
      }
    };
  }

  /** An admitted job reaches the loop. */
  void enqueue(PendingJob<?> job) {
    checkInLoop();
    if (job.deadlineNanos() != 0) {
      long left = job.deadlineNanos() - loop.nanoTime();
      if (left <= 0) {
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
    if (queue.isEmpty() && !idle.isEmpty()) {
      pipelining.recallForIdleChild();
    }
    checkDrained();
  }

  void dispatch() {
    while (!queue.isEmpty()) {
      if (!idle.isEmpty()) {
        // LIFO idle keeps the most recently used, JIT-hot children busy.
        start(idle.pollLast(), queue.pollFirst());
      } else if (!pipelining.sendOne(queue, meanRunNanos)) {
        break;
      }
    }
    publish();
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
    ChildSlot holder = job.child();
    if (job.state() == JobState.QUEUED || job.state() == JobState.HELD) {
      job.fail(
          Failure.DEADLINE_EXCEEDED,
          message(
              job,
              holder == null
                  ? "waited in the queue past its deadline; it never ran"
                  : "waited past its deadline behind the job of "
                      + holder
                      + ", which was told to skip it"));
      left(job, holder);
      checkDrained();
    }
  }

  /**
   * A queued job ended without running: its queue entry is stale now, or, if a child holds it, that
   * child is told to skip it (if the child started it all the same, its reply says so, and the
   * child is killed as for a running job).
   */
  void left(PendingJob<?> job, ChildSlot holder) {
    if (holder == null) {
      queue.left();
    } else {
      pipelining.recall(holder, job);
    }
  }

  /** Runs a job on this child now. */
  private void start(ChildSlot child, PendingJob<?> job) {
    begin(child, job);
    child.link().send(job.request());
  }

  /** The job starts on the child (sent now, or held there since it was sent ahead). */
  private void begin(ChildSlot child, PendingJob<?> job) {
    job.toRunning(child);
    child.assign(job);
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
    pipelining.started(child);
  }

  /**
   * A reply came after {@code roundTripNanos}, {@code runNanos} of it in the handler (0 if the
   * child did not say): the mean run time and the pipelining depth move.
   */
  void ran(long roundTripNanos, long runNanos) {
    pipelining.ran(runNanos > 0 ? runNanos : roundTripNanos);
    meanRunNanos =
        meanRunNanos == 0 ? roundTripNanos : meanRunNanos + (roundTripNanos - meanRunNanos) / 8;
  }

  /** The child's job ended: its limit is no longer watched, and the child is free of it. */
  void end(ChildSlot child, PendingJob<?> job) {
    watch.disarm(child);
    if (child.job() == job) {
      child.release();
    }
  }

  /** Runs a pinned job (broadcast) on this child, which is idle or just finished a job. */
  void startPinned(ChildSlot child, PendingJob<?> job) {
    checkInLoop();
    idle.remove(child);
    start(child, job);
    publish();
  }

  /** A retried job, ahead of every other; dispatched with the next round. */
  void requeueFirst(PendingJob<?> job) {
    queue.addFirst(job);
  }

  /** Fails every queued job; used when children cannot be started. */
  void failQueued(Failure code, String reason) {
    checkInLoop();
    for (PendingJob<?> job = queue.pollFirst(); job != null; job = queue.pollFirst()) {
      job.fail(code, message(job, reason));
    }
    checkDrained();
  }

  /** No more jobs from now on; the future completes when nothing is queued, held or running. */
  CompletableFuture<Void> drain() {
    checkInLoop();
    if (drained == null) {
      drained = new CompletableFuture<>();
    }
    checkDrained();
    return drained;
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
    return ledger.queued() + ledger.held();
  }

  /** Children with a job, and those owing a skip answer (busy, no job yet). */
  int busy() {
    return ledger.running() + pipelining.awaiting();
  }

  int idle() {
    return idle.size();
  }

  /** The idle deque, for the invariant check. */
  Iterable<ChildSlot> idleChildren() {
    return idle;
  }

  JobQueue queue() {
    return queue;
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

  void checkDrained() {
    publish();
    if (drained != null && queued() == 0 && busy() == 0) {
      drained.complete(null);
    }
  }

  private void checkInLoop() {
    if (!loop.inLoop()) {
      throw new IllegalStateException("Dispatcher used outside its loop");
    }
  }
}
