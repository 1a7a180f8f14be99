package dev.procpool.internal.engine;

import dev.procpool.protocol.SkipAnswer;

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
        public int depth() {
          return 0;
        }

        @Override
        public void started(ChildSlot child) {}

        @Override
        public boolean sendOne(JobQueue queue, long meanRunNanos) {
          return false;
        }

        @Override
        public void recallForIdleChild() {}

        @Override
        public void recall(ChildSlot holder) {}

        @Override
        public AfterReply afterReply(ChildSlot child, boolean exiting) {
          return AfterReply.FREE;
        }

        @Override
        public AfterReply startedBeforeAnswer(ChildSlot child, long jobId) {
          return null;
        }

        @Override
        public AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer) {
          return AfterReply.BUSY;
        }

        @Override
        public void onControlClosed(ChildSlot child) {}

        @Override
        public PendingJob<?> onChildLost(ChildSlot child) {
          return null;
        }

        @Override
        public PendingJob<?> onPoolClosed(ChildSlot child) {
          return null;
        }

        @Override
        public int awaiting() {
          return 0;
        }
      };

  /** How many jobs a child may hold behind its running one. */
  int depth();

  /** A job started on this child: it may be sent one more. */
  void started(ChildSlot child);

  /** Sends the queue's head to a busy child; false when no child may take one. */
  boolean sendOne(JobQueue queue, long meanRunNanos);

  /** A child became idle with nothing queued: a held job comes back for it. */
  void recallForIdleChild();

  /**
   * Asks {@code holder} not to run the job it holds (cancelled, past its deadline, or a broadcast
   * waits for the child); null or a child holding nothing: nothing happens.
   */
  void recall(ChildSlot holder);

  /** The child answered the job ahead of its held one: the held job starts, or not. */
  AfterReply afterReply(ChildSlot child, boolean exiting);

  /**
   * A reply for the job the child held while a skip answer is owed: it did start. Null when this is
   * not that case.
   */
  AfterReply startedBeforeAnswer(ChildSlot child, long jobId);

  /** The child's watchdog answered a skip request. */
  AfterReply onSkipAnswer(ChildSlot child, SkipAnswer answer);

  /** The control connection closed: no skip answer will come. */
  void onControlClosed(ChildSlot child);

  /**
   * The child is lost. Returns its held job if it may have started (now {@code RUNNING}, for the
   * caller to fail or retry); a held job that never ran goes back to the queue.
   */
  PendingJob<?> onChildLost(ChildSlot child);

  /** The pool closes: the held job, if still wanted, for the caller to fail. */
  PendingJob<?> onPoolClosed(ChildSlot child);

  /** Children busy with no job while a skip answer is owed. */
  int awaiting();
}
