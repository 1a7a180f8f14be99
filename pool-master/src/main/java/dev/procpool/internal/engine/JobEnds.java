package dev.procpool.internal.engine;

import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees each job to its end: result, remote error, timeout, cancel, protocol error, crash or retry,
 * and the pool closing. Each end is one transition of the job ({@link PendingJob}), which releases
 * what it held; this class only decides which end, and tells the {@link Dispatcher} to free the
 * child and match again. Confined to the engine's loop.
 */
final class JobEnds implements JobWatch.Expiry {
  private static final Logger log = LoggerFactory.getLogger(JobEnds.class);

  private final String poolName;
  private final Loop loop;
  private final Set<String> retryable;
  private final int maxAttempts;
  private final Dispatcher dispatcher;
  private final Pipelining pipelining;
  private final JobWatch watch;
  private final Dispatcher.Listener listener;
  private final PoolMetrics metrics;

  JobEnds(
      String poolName,
      Loop loop,
      Set<String> retryable,
      int maxAttempts,
      Dispatcher dispatcher,
      Pipelining pipelining,
      JobWatch watch,
      Dispatcher.Listener listener,
      PoolMetrics metrics) {
    this.poolName = poolName;
    this.loop = loop;
    this.retryable = Set.copyOf(retryable);
    this.maxAttempts = maxAttempts;
    this.dispatcher = dispatcher;
    this.pipelining = pipelining;
    this.watch = watch;
    this.listener = listener;
    this.metrics = metrics;
  }

  /**
   * A child answered. Returns {@link AfterReply#UNEXPECTED}, touching nothing, when the reply is
   * not for the job it runs: a protocol error, for the engine to handle.
   */
  AfterReply onReply(ChildSlot child, JobReply reply) {
    PendingJob<?> job = child.job();
    if (job == null) {
      AfterReply early =
          pipelining.replyWhileAwaiting(child, reply.getJobId(), reply.getChildExiting());
      if (early != null) {
        return early; // the held job had been cancelled: it is over, the child goes on
      }
      job = child.job();
    }
    if (job == null || job.id() != reply.getJobId()) {
      return AfterReply.UNEXPECTED;
    }
    long roundTrip = loop.nanoTime() - job.startedNanos();
    dispatcher.ran(roundTrip, reply.getRunNanos());
    child.usage().cost(reply.getCpuNanos(), reply.getAllocatedBytes());
    metrics.jobCost(
        job.type(),
        reply.getCpuNanos(),
        reply.getAllocatedBytes(),
        reply.getRunNanos() > 0 ? Math.max(0, roundTrip - reply.getRunNanos()) : -1);
    job.span().cost(reply.getCpuNanos(), reply.getAllocatedBytes());
    dispatcher.end(child, job);
    complete(job, child, reply);
    return pipelining.afterReply(child, reply.getChildExiting());
  }

  /**
   * A leaving child (killed, or closing its channel) answered: it is read to the end so that its
   * loss is decided on everything it did. The job it answers ends with its outcome; which held job
   * it may be running now moves on ({@link Pipelining#onLeavingReply}). A reply for no job it is
   * known to run is for a job the pool already ended (abandoned, or cancelled while held).
   */
  void onLeavingReply(ChildSlot child, JobReply reply) {
    PendingJob<?> job = child.job();
    boolean inTurn =
        job != null
            ? job.id() == reply.getJobId()
            : pipelining.leavingReplyInTurn(child, reply.getJobId());
    if (!inTurn) {
      onProtocolError(child, "sent a reply for job " + reply.getJobId() + " out of turn");
      return;
    }
    if (job != null) {
      dispatcher.end(child, job);
    }
    PendingJob<?> held = pipelining.onLeavingReply(child, reply.getJobId());
    PendingJob<?> answered = job != null ? job : held;
    if (answered != null && !answered.isDone()) {
      complete(answered, child, reply);
    }
    dispatcher.checkDrained();
  }

  /** The job ends as its reply says: its result, or the error its handler raised. */
  private void complete(PendingJob<?> job, ChildSlot child, JobReply reply) {
    if (reply.hasResult()) {
      job.succeed(reply.getResult());
    } else {
      failRemotely(job, child, reply.getError());
    }
  }

  /** A running job reached its limit (timeout or deadline): it fails, its child is killed. */
  @Override
  public void expire(ChildSlot child, PendingJob<?> job, Failure code, String why, String stack) {
    if (child.job() != job || job.isDone()) {
      return;
    }
    dispatcher.end(child, job);
    // Fail first, then kill: the caller hears at once, however long the kill takes.
    job.fail(code, dispatcher.message(job, why), null, stack);
    listener.onJobAbandoned(child, "job " + job.id() + " ran past its limit");
    dispatcher.checkDrained();
  }

  /**
   * The user cancelled the job's future. A queued job leaves the queue in O(1). A running job's
   * child is abandoned (killed) when {@code interrupt}; otherwise the job runs on and its outcome
   * is dropped; so does a held job's, unless its child skips it.
   */
  void cancel(PendingJob<?> job, boolean interrupt) {
    ChildSlot child = job.child();
    switch (job.state()) {
      case DONE -> {
        return;
      }
      case NEW, QUEUED, PINNED -> job.cancelled(); // a pinned one is skipped when its turn comes
      case HELD -> {
        if (interrupt) {
          job.cancelled();
        } else {
          job.discard(); // skipped if the child has not started it, else its outcome is dropped
        }
        dispatcher.left(job, child);
      }
      case RUNNING -> {
        if (!interrupt) {
          job.discard();
        } else {
          dispatcher.end(child, job);
          job.cancelled();
          listener.onJobAbandoned(child, "job " + job.id() + " was cancelled while running");
        }
      }
    }
    if (job.isDone() && child == null) {
      dispatcher.left(job, null);
    }
    dispatcher.checkDrained();
  }

  /** The child broke the protocol: its job fails; the engine kills the child. */
  void onProtocolError(ChildSlot child, String what) {
    PendingJob<?> job = child.job();
    if (job != null) {
      dispatcher.end(child, job);
      job.fail(Failure.PROTOCOL_ERROR, dispatcher.message(job, child + " " + what));
    }
    for (PendingJob<?> maybeRan : pipelining.onChildBroken(child)) { // as if running
      maybeRan.fail(
          Failure.PROTOCOL_ERROR,
          dispatcher.message(
              maybeRan,
              child
                  + " "
                  + what
                  + "; this job was sent ahead to that child and may have started there"));
    }
    dispatcher.detach(child);
    dispatcher.dispatch();
    dispatcher.checkDrained();
  }

  /** The child's process is gone. Its job fails with {@code CHILD_CRASHED}, or is retried. */
  void onChildLost(ChildSlot child, ChildDeath death) {
    String how = death.cause();
    String output =
        death.lastLines().isEmpty()
            ? ""
            : "; its last output:\n  " + String.join("\n  ", death.lastLines());
    dispatcher.detach(child);
    // Held jobs never ran and go back to the queue, ahead of them the running job's retry; the
    // first, if its skip answer was owed, may have started, and is treated as running.
    List<PendingJob<?>> maybeRan = pipelining.onChildLost(child);
    for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
      if (!pinned.isDone()) {
        pinned.fail(
            Failure.CHILD_CRASHED,
            dispatcher.message(pinned, child + " " + how + " before it could run this job")
                + output);
      }
    }
    PendingJob<?> job = child.job();
    if (job != null) {
      dispatcher.end(child, job);
      lostWith(child, job, how, output);
    }
    for (PendingJob<?> held : maybeRan) {
      lostWith(child, held, how, output);
    }
    dispatcher.dispatch();
    dispatcher.checkDrained();
  }

  /** The job was running (or may have been) when its child died: it fails, or is retried. */
  private void lostWith(ChildSlot child, PendingJob<?> job, String how, String output) {
    String what = child + " " + how + " while running job " + job.id() + " (" + job.type() + ")";
    if (!retryable.contains(job.type())) {
      job.fail(Failure.CHILD_CRASHED, dispatcher.message(job, what) + output);
    } else if (job.runs() >= maxAttempts) {
      log.error(
          "{}: job {} ({}) killed its child on all {} runs; quarantined",
          poolName,
          job.id(),
          job.type(),
          job.runs());
      job.fail(
          Failure.POISON_JOB,
          dispatcher.message(
                  job,
                  "killed its child on each of its "
                      + job.runs()
                      + " runs and will not run again; last: "
                      + what)
              + output);
    } else if (!dispatcher.isDraining()) {
      // Idempotent by the user's word: back to the head of the queue, ahead of newer jobs.
      log.warn("{}: {}; retrying it (run {} of {})", poolName, what, job.runs() + 1, maxAttempts);
      job.span().event("procpool.job.retried", what);
      dispatcher.requeueFirst(job); // dispatched by onChildLost, after the held job went back too
    } else {
      job.fail(
          Failure.CHILD_CRASHED,
          dispatcher.message(job, what + "; not retried: the pool is closing") + output);
    }
  }

  /** After the drain deadline: fails what is queued or running; the engine kills busy children. */
  void abandonAll(String reason, List<ChildSlot> children) {
    dispatcher.drain();
    dispatcher.failQueued(Failure.POOL_CLOSED, reason);
    for (ChildSlot child : children) {
      for (PendingJob<?> held : pipelining.onPoolClosed(child)) {
        held.fail(
            Failure.POOL_CLOSED,
            dispatcher.message(held, reason + "; it was sent ahead to " + child));
      }
      PendingJob<?> job = child.job();
      if (job != null) {
        dispatcher.end(child, job);
        job.fail(
            Failure.POOL_CLOSED,
            dispatcher.message(job, reason + "; it was still running in " + child));
        listener.onJobAbandoned(child, "pool closed with job " + job.id() + " running");
      }
      for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
        if (!pinned.isDone()) {
          pinned.fail(Failure.POOL_CLOSED, dispatcher.message(pinned, reason));
        }
      }
    }
    watch.stop();
    dispatcher.checkDrained();
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
}
