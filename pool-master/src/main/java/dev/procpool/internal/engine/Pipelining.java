package dev.procpool.internal.engine;

import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.SkipJob;
import dev.procpool.protocol.ToChild;
import java.util.concurrent.TimeUnit;

/**
 * Jobs sent ahead: while jobs wait and no child is idle, a busy child is sent the queue's head, to
 * start the moment it has written its reply. The {@link Dispatcher} owns the queue and the children
 * and asks this class at each event what becomes of the job a child holds.
 *
 * <p>The rule that keeps it exact: a held job starts when the reply of the job ahead of it arrives,
 * unless the child was asked to skip it and has not answered. Skip requests go on the child's
 * control connection, whose watchdog thread answers while a job runs; one lock in the child decides
 * between "skip" and "start", and the answer says which won. Until then the child is busy with no
 * job ({@link ChildSlot.Skip#AWAITED}).
 *
 * <p>Confined to the loop.
 */
final class Pipelining {
  /** What the dispatcher does for a held job. */
  interface Host {
    /** The held job starts on its child now; it is there already. */
    void begin(ChildSlot child, PendingJob<?> job);

    /** A job that never ran goes back to the head of the queue. */
    void putBack(PendingJob<?> job);

    /** Something changed: match queued jobs with children again, and check the drain. */
    void rematch();
  }

  /** A held job's running job is overdue past this many mean run times: another child takes it. */
  private static final long OVERDUE_RUNS = 4;

  private static final long OVERDUE_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * A watchdog answers a skip request at once, even while a job hangs; one silent this long is
   * broken, and so is its child.
   */
  private static final long SKIP_ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Loop loop;
  private final Admission admission;
  private final PoolMetrics metrics;
  private final Dispatcher.Listener listener;
  private final SendAhead sendAhead;
  private Host host;

  /** Children busy with no job, waiting for a skip answer. */
  private int awaiting;

  Pipelining(
      Loop loop,
      Admission admission,
      PoolMetrics metrics,
      Dispatcher.Listener listener,
      SendAhead sendAhead) {
    this.loop = loop;
    this.admission = admission;
    this.metrics = metrics;
    this.listener = listener;
    this.sendAhead = sendAhead;
  }

  /** Set once by the dispatcher that owns this. */
  void host(Host host) {
    this.host = host;
  }

  /** A job started on this child: it may be sent one more. */
  void started(ChildSlot child) {
    sendAhead.started(child);
  }

  /**
   * Sends the queue's head to a busy child, to wait behind its running job; false when no child may
   * take one.
   */
  boolean sendOne(JobQueue queue, long meanRunNanos) {
    if (queue.size() < 2) {
      // The last waiting job stays queued: a child that frees takes it at once, where a held job
      // would have to be recalled (measured: at 3 jobs in flight on 2 children, a third of the
      // jobs sent ahead came back; LowLoadRecalls).
      return false;
    }
    long now = loop.nanoTime();
    long overdue = Math.max(OVERDUE_FLOOR_NANOS, OVERDUE_RUNS * meanRunNanos);
    ChildSlot child = sendAhead.takeOpen(now, overdue);
    if (child == null) {
      return false;
    }
    // A job held behind an overdue one comes back to the queue's head, for a child that moves.
    recall(sendAhead.holderToRecall(now - overdue));
    PendingJob<?> job = queue.pollFirst();
    sendAhead.sent(child, job);
    metrics.jobSentAhead();
    child.link().send(job.request());
    return true;
  }

  /** A child became idle with nothing queued: no job may wait behind another, so one comes back. */
  void recallForIdleChild() {
    recall(sendAhead.holderToRecall(Long.MAX_VALUE));
  }

  /**
   * A broadcast waits for this child: the job it holds goes to another, so the broadcast is next.
   */
  void recallFrom(ChildSlot child) {
    if (child.sentAhead() != null) {
      recall(child);
    }
  }

  /**
   * Asks the child, on its control connection, not to run the job it holds. Without a control
   * connection the job stays, and starts after the running one.
   */
  void recall(ChildSlot holder) {
    if (holder != null && holder.skip() == ChildSlot.Skip.NONE && holder.controlLink() != null) {
      holder.skip(ChildSlot.Skip.ASKED);
      ToChild skip =
          ToChild.newBuilder()
              .setSkip(SkipJob.newBuilder().setJobId(holder.sentAhead().id()))
              .build();
      holder.controlLink().send(skip); // if it cannot be sent, see onControlClosed
    }
  }

  /** The user cancelled a held job, or its deadline passed: it is done; its child skips it. */
  void endedWhileHeld(ChildSlot holder) {
    sendAhead.endedWhileHeld();
    recall(holder);
  }

  /**
   * The child answered the job ahead of its held one. The held job starts now, unless the child is
   * exiting (it never runs), or a skip answer is owed (then the child waits, busy, for it).
   */
  Dispatcher.AfterReply afterReply(ChildSlot child, boolean exiting) {
    if (child.sentAhead() == null) {
      return Dispatcher.AfterReply.FREE;
    }
    if (exiting) {
      returnHeld(child);
      host.rematch();
      return Dispatcher.AfterReply.FREE;
    }
    if (child.skip() == ChildSlot.Skip.ASKED) {
      child.state(ChildSlot.State.BUSY); // no other job may be sent to it until the answer
      long heldId = child.sentAhead().id();
      child.awaitSkipAnswer(
          loop.schedule(() -> onAnswerLate(child, heldId), SKIP_ANSWER_GRACE_NANOS));
      awaiting++;
      return Dispatcher.AfterReply.AWAITING_SKIP_ANSWER;
    }
    Dispatcher.AfterReply after = startHeld(child);
    host.rematch(); // the child has room for the next job again: send it now
    return after;
  }

  /**
   * A reply came for the job the child held while its skip answer is owed (the two connections keep
   * no order between them): the job did start. Returns null when this is not that case, {@code
   * NEXT_STARTED} when the job is now the child's, {@code FREE} when it had been cancelled
   * meanwhile and is simply over.
   */
  Dispatcher.AfterReply startedBeforeAnswer(ChildSlot child, long jobId) {
    if (!child.awaitingSkipAnswer() || child.sentAhead().id() != jobId) {
      return null;
    }
    stopAwaiting(child);
    PendingJob<?> held = sendAhead.take(child);
    if (held.isDone()) {
      return Dispatcher.AfterReply.FREE;
    }
    host.begin(child, held); // no rematch: this very reply may say the child exits
    return Dispatcher.AfterReply.NEXT_STARTED;
  }

  /** The watchdog answered a skip request; null when the child's state does not change. */
  Dispatcher.AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
    PendingJob<?> held = child.sentAhead();
    ChildSlot.Skip skip = child.skip();
    if (held == null
        || held.id() != answer.getJobId()
        || (skip != ChildSlot.Skip.ASKED && skip != ChildSlot.Skip.AWAITED)) {
      return null; // stale: the job's reply came first, or the child is gone
    }
    metrics.skipAnswered(answer.getSkipped());
    boolean awaited = skip == ChildSlot.Skip.AWAITED;
    if (awaited) {
      stopAwaiting(child);
    }
    if (answer.getSkipped()) {
      returnHeld(child);
      host.rematch();
      return awaited ? Dispatcher.AfterReply.FREE : null;
    }
    if (!awaited) {
      child.skip(ChildSlot.Skip.REFUSED); // it starts when the reply of the running job is written
      return null;
    }
    Dispatcher.AfterReply after = startHeld(child);
    host.rematch();
    return after;
  }

  /** The control connection closed: no skip answer will come. */
  void onControlClosed(ChildSlot child) {
    if (child.awaitingSkipAnswer()) {
      listener.onJobAbandoned(child, "its control connection closed before it answered a skip");
    } else if (child.skip() == ChildSlot.Skip.ASKED) {
      child.skip(ChildSlot.Skip.REFUSED); // the job starts after the running one
    }
  }

  /**
   * The child is lost (died, broke the protocol, closed with the pool). Returns its held job if it
   * may have started (a skip answer was owed): the caller treats it as a running job. Otherwise the
   * held job never ran and goes back to the queue, and this returns null.
   */
  PendingJob<?> onChildLost(ChildSlot child) {
    if (child.awaitingSkipAnswer()) {
      stopAwaiting(child);
      PendingJob<?> held = sendAhead.take(child);
      if (held.isDone()) {
        return null;
      }
      admission.release();
      held.started(); // the safe side for a job that must not run twice: it counts as a run
      return held;
    }
    returnHeld(child);
    return null;
  }

  /** The pool closes: the held job, if still wanted, for the caller to fail. */
  PendingJob<?> onPoolClosed(ChildSlot child) {
    if (child.awaitingSkipAnswer()) { // it may be running the held job
      listener.onJobAbandoned(child, "pool closed while it may run job " + child.sentAhead().id());
      return onChildLost(child);
    }
    PendingJob<?> held = sendAhead.take(child);
    if (held != null && !held.isDone()) {
      admission.release();
      return held;
    }
    return null;
  }

  /** Held jobs still wanted: queued, for the user. */
  int queued() {
    return sendAhead.live();
  }

  /** Jobs held by children, wanted or not: the drain waits for them. */
  int held() {
    return sendAhead.held();
  }

  /** Children busy with no job while a skip answer is owed. */
  int awaiting() {
    return awaiting;
  }

  private Dispatcher.AfterReply startHeld(ChildSlot child) {
    PendingJob<?> held = sendAhead.take(child);
    if (held.isDone()) {
      // Cancelled or past its deadline, yet started: as for a running job, its child goes.
      listener.onJobAbandoned(child, "job " + held.id() + " started after it was cancelled");
      return Dispatcher.AfterReply.ABANDONED;
    }
    host.begin(child, held);
    return Dispatcher.AfterReply.NEXT_STARTED;
  }

  /** The job the child held never ran: back to the queue's head, with no attempt counted. */
  private void returnHeld(ChildSlot child) {
    PendingJob<?> held = sendAhead.take(child);
    if (held == null || held.isDone()) {
      return;
    }
    if (held.isDiscarded()) { // cancelled without interrupting: nobody waits for it
      admission.release();
      held.cancelled();
    } else {
      host.putBack(held);
    }
  }

  /**
   * The watchdog did not answer in time: the held job may be running, unwatched; the child goes.
   */
  private void onAnswerLate(ChildSlot child, long heldId) {
    if (child.awaitingSkipAnswer()
        && child.sentAhead() != null
        && child.sentAhead().id() == heldId) {
      listener.onJobAbandoned(child, "no answer to a skip request for job " + heldId);
    }
  }

  private void stopAwaiting(ChildSlot child) {
    child.skip(ChildSlot.Skip.NONE);
    if (child.state() == ChildSlot.State.BUSY) {
      child.state(ChildSlot.State.IDLE);
    }
    awaiting--;
  }
}
