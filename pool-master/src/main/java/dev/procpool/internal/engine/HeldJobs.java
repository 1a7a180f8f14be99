package dev.procpool.internal.engine;

import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.SkipJob;
import dev.procpool.protocol.ToChild;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Pipelining: while jobs wait and no child is idle, busy children are sent the queue's head, in
 * turn, each up to the depth {@link HoldDepth} chooses from recent run times; a child runs the jobs
 * it holds one at a time, in order, each starting the moment the reply of the one ahead is written.
 * The {@link Dispatcher} owns the queue and the children and asks this class at each event what
 * becomes of the jobs a child holds.
 *
 * <p>The rule that keeps it exact: the first held job starts when the reply of the job ahead of it
 * arrives, unless the child was asked to skip it and has not answered. Skip requests go on the
 * child's control connection, whose watchdog thread answers while a job runs; one lock in the child
 * decides between "skip" and "start", and the answer says which won. Until then the child is busy
 * with no job known ({@link Hold#awaitingSkipAnswer}). A reply for a later held job proves every
 * job ahead of it was skipped: the replies of one child come in the order it ran them.
 *
 * <p>A child that leaves (killed, or closing its channel) is read to its end: its skip answers and
 * replies narrow which held job it may be running when it dies, and {@link #onChildLost} counts a
 * possible run for that one job only, the child having written each reply and each "skipped" answer
 * before it went further. A child that broke the protocol is not believed ({@link #onChildBroken}).
 *
 * <p>Holds no count of its own: held jobs are the ledger's {@code HELD} jobs. Confined to the loop.
 */
final class HeldJobs implements Pipelining {
  /** A held job's running job is overdue past this many mean run times: another child takes it. */
  private static final long OVERDUE_RUNS = 4;

  /**
   * Never overdue sooner: on a busy host a no-op job is often descheduled for a millisecond, and
   * each false alarm recalls a whole hold. Measured at depth 16, 200k no-op jobs, 128 in flight,
   * load 3–5: a 1 ms floor sent 5,800–6,400 skip requests (half too late: the job had started), 5
   * ms sent 800–1,000, and ran 1.04x / 1.13x faster (Probe pairs, 2026-12-02).
   */
  private static final long OVERDUE_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * A watchdog answers a skip request at once, even while a job hangs; one silent this long is
   * broken, and so is its child.
   */
  private static final long SKIP_ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Loop loop;
  private final PoolMetrics metrics;
  private final Dispatcher.Listener listener;
  private final SendAhead sendAhead;
  private final HoldDepth depth;
  private final IntConsumer depthChanged;
  private Host host;

  /** Children busy with no job, waiting for a skip answer. */
  private int awaiting;

  /** {@code depthChanged} hears each new depth, to publish it. */
  HeldJobs(
      Loop loop,
      PoolMetrics metrics,
      Dispatcher.Listener listener,
      SendAhead sendAhead,
      HoldDepth depth,
      IntConsumer depthChanged) {
    this.loop = loop;
    this.metrics = metrics;
    this.listener = listener;
    this.sendAhead = sendAhead;
    this.depth = depth;
    this.depthChanged = depthChanged;
    depthChanged.accept(depth.depth());
  }

  /** Set once by the dispatcher that owns this. */
  void host(Host host) {
    this.host = host;
  }

  @Override
  public int maxHeld() {
    return depth.maxDepth() - 1;
  }

  @Override
  public void ran(long runNanos) {
    if (depth.onRun(runNanos)) {
      depthChanged.accept(depth.depth());
    }
  }

  @Override
  public void started(ChildSlot child) {
    sendAhead.started(child);
  }

  @Override
  public boolean sendOne(JobQueue queue, long meanRunNanos) {
    int maxHeld = depth.depth() - 1;
    if (maxHeld < 1 || queue.size() < 2) {
      // The last waiting job stays queued: a child that frees takes it at once, where a held job
      // would have to be recalled (measured: at 3 jobs in flight on 2 children, a third of the
      // jobs sent ahead came back; LowLoadRecalls).
      return false;
    }
    long now = loop.nanoTime();
    long overdue = Math.max(OVERDUE_FLOOR_NANOS, OVERDUE_RUNS * meanRunNanos);
    ChildSlot child = sendAhead.takeOpen(now, overdue, maxHeld);
    if (child == null) {
      return false;
    }
    // Jobs held behind an overdue one come back to the queue's head, for a child that moves.
    recallAll(sendAhead.holderToRecall(now - overdue));
    PendingJob<?> job = queue.pollFirst();
    sendAhead.sent(child, job);
    metrics.jobSentAhead();
    child.link().send(job.request()); // flushed with the rest of this loop pass's writes
    if (child.hold().size() < maxHeld) {
      sendAhead.started(child); // room for more, after the other children have had their turn
    }
    return true;
  }

  @Override
  public void recallForIdleChild() {
    ChildSlot holder = sendAhead.holderToRecall(Long.MAX_VALUE);
    if (holder != null) {
      ask(holder, holder.hold().lastUnasked()); // the job that would wait longest
    }
  }

  @Override
  public void recall(ChildSlot holder, PendingJob<?> job) {
    if (holder != null) {
      int i = holder.hold().indexOf(job.id());
      if (i >= 0 && holder.hold().skip(i) == Hold.Skip.NONE) {
        ask(holder, i);
      }
    }
  }

  /** Last first: the answers come in the order asked, and each puts its job at the queue's head. */
  @Override
  public void recallAll(ChildSlot holder) {
    if (holder != null) {
      for (int i = holder.hold().size() - 1; i >= 0; i--) {
        if (holder.hold().skip(i) == Hold.Skip.NONE) {
          ask(holder, i);
        }
      }
    }
  }

  /**
   * Asks the child, on its control connection, not to run its {@code i}-th held job. Without a
   * control connection the job stays, and starts in its turn.
   */
  private void ask(ChildSlot holder, int i) {
    if (holder.controlLink() != null) {
      holder.hold().skip(i, Hold.Skip.ASKED);
      ToChild skip =
          ToChild.newBuilder()
              .setSkip(SkipJob.newBuilder().setJobId(holder.hold().job(i).id()))
              .build();
      holder.controlLink().send(skip); // if it cannot be sent, see onControlClosed
    }
  }

  @Override
  public AfterReply afterReply(ChildSlot child, boolean exiting) {
    if (child.hold().isEmpty()) {
      return AfterReply.FREE;
    }
    if (exiting) {
      returnAll(child);
      host.rematch();
      return AfterReply.FREE;
    }
    return next(child);
  }

  /**
   * The child has no job running: its first held job starts, unless a skip answer for it is owed;
   * then it is busy with no job known until the answer. FREE when it holds nothing.
   */
  private AfterReply next(ChildSlot child) {
    Hold hold = child.hold();
    if (hold.isEmpty()) {
      return AfterReply.FREE;
    }
    if (hold.skip(0) == Hold.Skip.ASKED) {
      if (child.state() == ChildSlot.State.IDLE) {
        child.to(ChildSlot.State.BUSY); // no other job may be sent to it until the answer
      }
      long firstId = hold.job(0).id();
      hold.await(loop.schedule(() -> onAnswerLate(child, firstId), SKIP_ANSWER_GRACE_NANOS));
      awaiting++;
      return AfterReply.BUSY;
    }
    PendingJob<?> first = hold.remove(0);
    if (first.isDone()) {
      // Cancelled or past its deadline, yet started: as for a running job, its child goes.
      listener.onJobAbandoned(child, "job " + first.id() + " started after it was cancelled");
      return AfterReply.BUSY;
    }
    host.begin(child, first);
    host.rematch(); // the child has room for one more job again: send it now
    return AfterReply.BUSY;
  }

  @Override
  public AfterReply replyWhileAwaiting(ChildSlot child, long jobId, boolean exiting) {
    Hold hold = child.hold();
    if (!hold.awaitingSkipAnswer()) {
      return null;
    }
    int at = hold.indexOf(jobId);
    for (int i = 0; i < at; i++) {
      if (hold.skip(i) != Hold.Skip.ASKED) {
        return null; // a job the child could not have skipped is ahead of it: not a valid reply
      }
    }
    if (at < 0) {
      return null;
    }
    stopAwaiting(child);
    for (int i = at - 1; i >= 0; i--) {
      returnHeld(hold.remove(i)); // skipped (their answers, still on their way, are stale now)
    }
    PendingJob<?> held = hold.remove(0);
    if (!held.isDone()) {
      host.begin(child, held); // no rematch: this very reply may say the child exits
      return null;
    }
    // It had been cancelled meanwhile: it is simply over, and the child goes on.
    if (exiting) {
      returnAll(child);
    }
    AfterReply after = exiting ? AfterReply.FREE : next(child);
    host.rematch();
    return after;
  }

  @Override
  public AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
    Hold hold = child.hold();
    int i = hold.indexOf(answer.getJobId());
    if (i < 0 || hold.skip(i) != Hold.Skip.ASKED) {
      return AfterReply.BUSY; // stale: the job's reply came first, or the child is gone
    }
    metrics.skipAnswered(answer.getSkipped());
    if (!child.isLive()) {
      return onLeavingAnswer(child, i, answer.getSkipped());
    }
    boolean decides = i == 0 && hold.awaitingSkipAnswer();
    if (decides) {
      stopAwaiting(child);
    }
    if (!answer.getSkipped()) {
      hold.skip(i, Hold.Skip.REFUSED); // it starts (or started) in its turn
      return decides ? next(child) : AfterReply.BUSY;
    }
    returnHeld(hold.remove(i));
    AfterReply after = decides ? next(child) : AfterReply.BUSY;
    host.rematch();
    return after;
  }

  /**
   * A leaving child starts nothing the pool could still hand to another, but it may be dying in a
   * held job: each answer narrows which. A skipped job goes back to the queue; while it awaited,
   * its first held job is now the one it may have started ({@link #onChildLost}).
   */
  private AfterReply onLeavingAnswer(ChildSlot child, int i, boolean skipped) {
    Hold hold = child.hold();
    if (!skipped) {
      hold.skip(i, Hold.Skip.REFUSED);
      return AfterReply.BUSY;
    }
    boolean itsPlace = i == 0 && hold.awaitingSkipAnswer();
    if (itsPlace) {
      stopAwaiting(child);
    }
    returnHeld(hold.remove(i));
    if (itsPlace) {
      mayBeRunningFirst(child); // its place is now the next job
    }
    host.rematch();
    return AfterReply.BUSY;
  }

  @Override
  public boolean leavingReplyInTurn(ChildSlot child, long jobId) {
    Hold hold = child.hold();
    int at = hold.indexOf(jobId);
    if (!hold.awaitingSkipAnswer()) {
      return at < 0; // its job, which the pool ended (abandoned), answers before any held one
    }
    if (at < 0) {
      return false;
    }
    for (int i = 0; i < at; i++) {
      if (hold.skip(i) != Hold.Skip.ASKED) {
        return false; // it cannot have skipped a job it was never asked to skip
      }
    }
    return true;
  }

  @Override
  public PendingJob<?> onLeavingReply(ChildSlot child, long jobId) {
    Hold hold = child.hold();
    int at = hold.indexOf(jobId);
    if (hold.awaitingSkipAnswer()) {
      stopAwaiting(child);
    }
    PendingJob<?> answered = null;
    if (at >= 0) {
      for (int i = 0; i < at; i++) {
        returnHeld(hold.remove(0)); // it passed them without a reply: skipped
      }
      answered = hold.remove(0);
      if (!answered.isDone()) {
        answered.toRunning(child);
      }
      host.rematch();
    }
    mayBeRunningFirst(child);
    return answered;
  }

  /**
   * A leaving child may now be running its first held job: it awaits, with no grace (it is going
   * anyway), and its loss decides that job ({@link #onChildLost}).
   */
  private void mayBeRunningFirst(ChildSlot child) {
    if (!child.hold().isEmpty()) {
      child.hold().await(null);
      awaiting++;
    }
  }

  @Override
  public void onControlClosed(ChildSlot child) {
    Hold hold = child.hold();
    if (hold.awaitingSkipAnswer() && child.isLive()) {
      listener.onJobAbandoned(child, "its control connection closed before it answered a skip");
      return;
    }
    for (int i = 0; i < hold.size(); i++) {
      if (hold.skip(i) == Hold.Skip.ASKED) {
        hold.skip(i, Hold.Skip.REFUSED); // no answer will come: it runs in its turn
      }
    }
  }

  @Override
  public List<PendingJob<?>> onChildLost(ChildSlot child) {
    // Everything the child wrote has been read (Roster.onExit). While it awaited a skip answer, it
    // may have started its first held job: that one counts as a run, the safe side for a job that
    // must not run twice. None behind it can have started: that job neither replied nor was
    // skipped, and a child writes each reply before its next job and each "skipped" answer before
    // it passes the job (SkipBook).
    return takeMaybeStarted(child, child.hold().awaitingSkipAnswer() ? 1 : 0);
  }

  @Override
  public List<PendingJob<?>> onChildBroken(ChildSlot child) {
    // Its words are void from here, and it runs on until the kill lands: past its running job it
    // may start any job it holds. Each counts as a run; none goes to another child meanwhile.
    return takeMaybeStarted(child, child.hold().size());
  }

  /**
   * The first {@code n} held jobs, now running (for the caller to fail or retry); the rest back.
   */
  private List<PendingJob<?>> takeMaybeStarted(ChildSlot child, int n) {
    Hold hold = child.hold();
    if (hold.awaitingSkipAnswer()) {
      stopAwaiting(child);
    }
    List<PendingJob<?>> maybeRan = new ArrayList<>(n);
    for (int i = 0; i < n && !hold.isEmpty(); i++) {
      PendingJob<?> held = hold.remove(0);
      if (!held.isDone()) {
        held.toRunning(child);
        maybeRan.add(held);
      }
    }
    returnAll(child);
    return maybeRan;
  }

  @Override
  public List<PendingJob<?>> onPoolClosed(ChildSlot child) {
    Hold hold = child.hold();
    if (hold.awaitingSkipAnswer()) { // it may be running a held job
      listener.onJobAbandoned(child, "pool closed while it may run job " + hold.job(0).id());
      stopAwaiting(child);
    }
    List<PendingJob<?>> wanted = new ArrayList<>();
    while (!hold.isEmpty()) {
      PendingJob<?> held = hold.remove(0);
      if (!held.isDone()) {
        wanted.add(held);
      }
    }
    return wanted;
  }

  @Override
  public int awaiting() {
    return awaiting;
  }

  /** Every held job never ran: back to the queue's head, in order. */
  private void returnAll(ChildSlot child) {
    Hold hold = child.hold();
    for (int i = hold.size() - 1; i >= 0; i--) {
      returnHeld(hold.remove(i));
    }
  }

  /** A held job that never ran: back to the queue's head, with no attempt counted. */
  private void returnHeld(PendingJob<?> held) {
    if (held.isDone()) {
      return;
    }
    if (held.isDiscarded()) { // cancelled without interrupting: nobody waits for it
      held.cancelled();
    } else {
      host.putBack(held);
    }
  }

  /** The watchdog did not answer in time: a held job may be running, unwatched; the child goes. */
  private void onAnswerLate(ChildSlot child, long firstId) {
    Hold hold = child.hold();
    if (hold.awaitingSkipAnswer() && !hold.isEmpty() && hold.job(0).id() == firstId) {
      listener.onJobAbandoned(child, "no answer to a skip request for job " + firstId);
    }
  }

  private void stopAwaiting(ChildSlot child) {
    child.hold().stopAwaiting();
    if (child.state() == ChildSlot.State.BUSY) {
      child.to(ChildSlot.State.IDLE);
    }
    awaiting--;
  }
}
