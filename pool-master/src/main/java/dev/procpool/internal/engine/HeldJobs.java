package dev.procpool.internal.engine;

import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.SkipJob;
import dev.procpool.protocol.ToChild;
import java.util.concurrent.TimeUnit;

/**
 * Pipelining: while jobs wait and no child is idle, a busy child is sent the queue's head, to start
 * the moment it has written its reply. The {@link Dispatcher} owns the queue and the children and
 * asks this class at each event what becomes of the job a child holds.
 *
 * <p>The rule that keeps it exact: a held job starts when the reply of the job ahead of it arrives,
 * unless the child was asked to skip it and has not answered. Skip requests go on the child's
 * control connection, whose watchdog thread answers while a job runs; one lock in the child decides
 * between "skip" and "start", and the answer says which won. Until then the child is busy with no
 * job ({@link Hold.Skip#AWAITED}).
 *
 * <p>Holds no count of its own: held jobs are the ledger's {@code HELD} jobs. Confined to the loop.
 */
final class HeldJobs implements Pipelining {
  /** A held job's running job is overdue past this many mean run times: another child takes it. */
  private static final long OVERDUE_RUNS = 4;

  private static final long OVERDUE_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * A watchdog answers a skip request at once, even while a job hangs; one silent this long is
   * broken, and so is its child.
   */
  private static final long SKIP_ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Loop loop;
  private final PoolMetrics metrics;
  private final Dispatcher.Listener listener;
  private final SendAhead sendAhead;
  private Host host;

  /** Children busy with no job, waiting for a skip answer. */
  private int awaiting;

  HeldJobs(Loop loop, PoolMetrics metrics, Dispatcher.Listener listener, SendAhead sendAhead) {
    this.loop = loop;
    this.metrics = metrics;
    this.listener = listener;
    this.sendAhead = sendAhead;
  }

  /** Set once by the dispatcher that owns this. */
  void host(Host host) {
    this.host = host;
  }

  @Override
  public int depth() {
    return 1;
  }

  @Override
  public void started(ChildSlot child) {
    sendAhead.started(child);
  }

  @Override
  public boolean sendOne(JobQueue queue, long meanRunNanos) {
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

  @Override
  public void recallForIdleChild() {
    recall(sendAhead.holderToRecall(Long.MAX_VALUE));
  }

  /**
   * Asks the child, on its control connection, not to run the job it holds. Without a control
   * connection the job stays, and starts after the running one.
   */
  @Override
  public void recall(ChildSlot holder) {
    if (holder != null
        && holder.hold().job() != null
        && holder.hold().skip() == Hold.Skip.NONE
        && holder.controlLink() != null) {
      holder.hold().skip(Hold.Skip.ASKED);
      ToChild skip =
          ToChild.newBuilder()
              .setSkip(SkipJob.newBuilder().setJobId(holder.hold().job().id()))
              .build();
      holder.controlLink().send(skip); // if it cannot be sent, see onControlClosed
    }
  }

  @Override
  public AfterReply afterReply(ChildSlot child, boolean exiting) {
    Hold hold = child.hold();
    if (hold.job() == null) {
      return AfterReply.FREE;
    }
    if (exiting) {
      returnHeld(child);
      host.rematch();
      return AfterReply.FREE;
    }
    if (hold.skip() == Hold.Skip.ASKED) {
      child.to(ChildSlot.State.BUSY); // no other job may be sent to it until the answer
      long heldId = hold.job().id();
      hold.awaitSkipAnswer(
          loop.schedule(() -> onAnswerLate(child, heldId), SKIP_ANSWER_GRACE_NANOS));
      awaiting++;
      return AfterReply.BUSY;
    }
    startHeld(child);
    host.rematch(); // the child has room for the next job again: send it now
    return AfterReply.BUSY;
  }

  @Override
  public AfterReply startedBeforeAnswer(ChildSlot child, long jobId) {
    Hold hold = child.hold();
    if (!hold.awaitingSkipAnswer() || hold.job().id() != jobId) {
      return null;
    }
    stopAwaiting(child);
    PendingJob<?> held = hold.take();
    if (held.isDone()) {
      return AfterReply.FREE; // it had been cancelled meanwhile: it is simply over
    }
    host.begin(child, held); // no rematch: this very reply may say the child exits
    return AfterReply.BUSY;
  }

  @Override
  public AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
    Hold hold = child.hold();
    PendingJob<?> held = hold.job();
    Hold.Skip skip = hold.skip();
    if (held == null
        || held.id() != answer.getJobId()
        || (skip != Hold.Skip.ASKED && skip != Hold.Skip.AWAITED)) {
      return AfterReply.BUSY; // stale: the job's reply came first, or the child is gone
    }
    metrics.skipAnswered(answer.getSkipped());
    boolean awaited = skip == Hold.Skip.AWAITED;
    if (awaited) {
      stopAwaiting(child);
    }
    if (answer.getSkipped()) {
      returnHeld(child);
      host.rematch();
      return awaited ? AfterReply.FREE : AfterReply.BUSY;
    }
    if (!awaited) {
      hold.skip(Hold.Skip.REFUSED); // it starts when the reply of the running job is written
      return AfterReply.BUSY;
    }
    startHeld(child);
    host.rematch();
    return AfterReply.BUSY;
  }

  @Override
  public void onControlClosed(ChildSlot child) {
    if (child.hold().awaitingSkipAnswer()) {
      listener.onJobAbandoned(child, "its control connection closed before it answered a skip");
    } else if (child.hold().skip() == Hold.Skip.ASKED) {
      child.hold().skip(Hold.Skip.REFUSED); // the job starts after the running one
    }
  }

  @Override
  public PendingJob<?> onChildLost(ChildSlot child) {
    if (child.hold().awaitingSkipAnswer()) {
      stopAwaiting(child);
      PendingJob<?> held = child.hold().take();
      if (held.isDone()) {
        return null;
      }
      held.toRunning(child); // the safe side for a job that must not run twice: it counts as a run
      return held;
    }
    returnHeld(child);
    return null;
  }

  @Override
  public PendingJob<?> onPoolClosed(ChildSlot child) {
    if (child.hold().awaitingSkipAnswer()) { // it may be running the held job
      listener.onJobAbandoned(child, "pool closed while it may run job " + child.hold().job().id());
      return onChildLost(child);
    }
    PendingJob<?> held = child.hold().take();
    return held != null && !held.isDone() ? held : null;
  }

  @Override
  public int awaiting() {
    return awaiting;
  }

  private void startHeld(ChildSlot child) {
    PendingJob<?> held = child.hold().take();
    if (held.isDone()) {
      // Cancelled or past its deadline, yet started: as for a running job, its child goes.
      listener.onJobAbandoned(child, "job " + held.id() + " started after it was cancelled");
      return;
    }
    host.begin(child, held);
  }

  /** The job the child held never ran: back to the queue's head, with no attempt counted. */
  private void returnHeld(ChildSlot child) {
    PendingJob<?> held = child.hold().take();
    if (held == null || held.isDone()) {
      return;
    }
    if (held.isDiscarded()) { // cancelled without interrupting: nobody waits for it
      held.cancelled();
    } else {
      host.putBack(held);
    }
  }

  /**
   * The watchdog did not answer in time: the held job may be running, unwatched; the child goes.
   */
  private void onAnswerLate(ChildSlot child, long heldId) {
    Hold hold = child.hold();
    if (hold.awaitingSkipAnswer() && hold.job() != null && hold.job().id() == heldId) {
      listener.onJobAbandoned(child, "no answer to a skip request for job " + heldId);
    }
  }

  private void stopAwaiting(ChildSlot child) {
    child.hold().skip(Hold.Skip.NONE);
    if (child.state() == ChildSlot.State.BUSY) {
      child.to(ChildSlot.State.IDLE);
    }
    awaiting--;
  }
}
