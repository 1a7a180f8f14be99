package dev.procpool.internal.engine;

import dev.procpool.protocol.SkipAnswer;
import java.util.List;

/**
 * Jobs sent ahead to busy children, as the {@link Dispatcher} sees them: {@link HeldJobs} when the
 * pool pipelines, {@link #OFF} (which does nothing) when it does not, so the dispatcher never asks
 * which. Confined to the loop.
 */
interface Pipelining {
  /** What the dispatcher does for a held job. */
  interface Host {
    /** The held job starts on its child now; it is there already. */
    void begin(ChildSlot child, PendingJob<?> job);

    /** A job that never ran goes back to the head of the queue. */
    void putBack(PendingJob<?> job);

    /** Something changed: match queued jobs with children again, and check the drain. */
    void rematch();
  }

  /** No pipelining: a child holds nothing but the job it runs. */
  Pipelining OFF =
      new Pipelining() {
        @Override
        public int maxHeld() {
          return 0;
        }

        @Override
        public void ran(long runNanos) {}

        @Override
        public void started(ChildSlot child) {}

        @Override
        public boolean sendOne(JobQueue queue, long meanRunNanos) {
          return false;
        }

        @Override
        public void recallForIdleChild() {}

        @Override
        public void recall(ChildSlot holder, PendingJob<?> job) {}

        @Override
        public void recallAll(ChildSlot holder) {}

        @Override
        public AfterReply afterReply(ChildSlot child, boolean exiting) {
          return AfterReply.FREE;
        }

        @Override
        public AfterReply replyWhileAwaiting(ChildSlot child, long jobId, boolean exiting) {
          return null;
        }

        @Override
        public AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
          return AfterReply.BUSY;
        }

        @Override
        public PendingJob<?> onLeavingReply(ChildSlot child, long jobId) {
          return null;
        }

        @Override
        public boolean leavingReplyInTurn(ChildSlot child, long jobId) {
          return true;
        }

        @Override
        public void onControlClosed(ChildSlot child) {}

        @Override
        public List<PendingJob<?>> onChildLost(ChildSlot child) {
          return List.of();
        }

        @Override
        public List<PendingJob<?>> onChildBroken(ChildSlot child) {
          return List.of();
        }

        @Override
        public List<PendingJob<?>> onPoolClosed(ChildSlot child) {
          return List.of();
        }

        @Override
        public int awaiting() {
          return 0;
        }
      };

  /** The most jobs a child may hold behind its running one, at any depth. */
  int maxHeld();

  /** A job ran this long (the handler's time): the depth follows recent run times. */
  void ran(long runNanos);

  /** A job started on this child: it may be sent more. */
  void started(ChildSlot child);

  /** Sends the queue's head to a busy child; false when no child may take one. */
  boolean sendOne(JobQueue queue, long meanRunNanos);

  /** A child became idle with nothing queued: a held job comes back for it. */
  void recallForIdleChild();

  /**
   * Asks {@code holder} not to run {@code job}, which it holds (cancelled, or past its deadline).
   * If there is no way to ask, or the child started it, its reply says so.
   */
  void recall(ChildSlot holder, PendingJob<?> job);

  /** Asks {@code holder} not to run any job it holds (a broadcast waits for the child). */
  void recallAll(ChildSlot holder);

  /** The child answered the job ahead of its held ones: the next held job starts, or not. */
  AfterReply afterReply(ChildSlot child, boolean exiting);

  /**
   * A reply for a held job while the child owes a skip answer: that job did start (and the held
   * jobs ahead of it were skipped). Returns null when this is not that case, or when the job now
   * runs on the child for the caller to end as usual; else what became of the child, the reply
   * being for a job that had ended meanwhile.
   */
  AfterReply replyWhileAwaiting(ChildSlot child, long jobId, boolean exiting);

  /** The child's watchdog answered a skip request. */
  AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer);

  /**
   * A leaving child replied for {@code jobId}: the held jobs ahead of it were skipped (back to the
   * queue), and the child may now be running its first held job. Returns the held job the reply is
   * for, now {@code RUNNING} for the caller to complete, or null if it was not held.
   */
  PendingJob<?> onLeavingReply(ChildSlot child, long jobId);

  /**
   * Whether a leaving child with no running job may reply for {@code jobId} now: for the job the
   * pool abandoned before any held one, and for a held one only past jobs it was asked to skip.
   * Anything else is a broken child.
   */
  boolean leavingReplyInTurn(ChildSlot child, long jobId);

  /** The control connection closed: no skip answer will come. */
  void onControlClosed(ChildSlot child);

  /**
   * The child is lost, and everything it wrote was read. Returns the held job that may have started
   * (now {@code RUNNING}, for the caller to fail or retry): its first, if a skip answer for it was
   * owed; the held jobs that never ran go back to the queue, in order.
   */
  List<PendingJob<?>> onChildLost(ChildSlot child);

  /**
   * The child broke the protocol: what it writes is void, and it runs on until the kill lands.
   * Returns every held job, now {@code RUNNING}: each may start there.
   */
  List<PendingJob<?>> onChildBroken(ChildSlot child);

  /** The pool closes: the held jobs still wanted, for the caller to fail. */
  List<PendingJob<?>> onPoolClosed(ChildSlot child);

  /** Children busy with no job while a skip answer is owed. */
  int awaiting();
}
