package dev.procpool.internal.engine;

import dev.procpool.protocol.StackReply;
import dev.procpool.protocol.StackRequest;
import dev.procpool.protocol.ToChild;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches running jobs: their time limit (the job's timeout, or the caller's deadline when that is
 * sooner) and the slow-job threshold. At the limit it first asks the child's watchdog for the stack
 * of its job thread and waits at most {@link #STACK_GRACE_NANOS} for it, then hands the job to
 * {@link Expiry} with the stack (or with why there is none): the error says where the job hung,
 * though the child is killed. Past the slow-job threshold it logs the stack once and the job runs
 * on (PHP-FPM's slowlog). Confined to the loop.
 */
final class JobWatch {
  private static final Logger log = LoggerFactory.getLogger(JobWatch.class);

  /** How long a timed-out job's child may take to send its stack before it is killed anyway. */
  static final long STACK_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** Ends a job that ran past its limit: fails it and has its child killed. */
  interface Expiry {
    void expire(ChildSlot child, PendingJob<?> job, Failure code, String why, String stack);
  }

  /** A stack asked for: at a limit (then the job expires when it comes), or for the slow log. */
  private record Asked(PendingJob<?> job, Failure code, String why, Loop.Timer grace) {
    boolean atLimit() {
      return code != null;
    }
  }

  private final String poolName;
  private final Loop loop;
  private final long slowThresholdNanos;
  private final PoolMetrics metrics;
  private final Expiry expiry;
  private final Map<ChildSlot, Asked> asked = new IdentityHashMap<>();

  /**
   * The time limit of each running job, by child. One loop timer, set for the soonest, serves them
   * all: a job that ends only leaves this map, so the common case (every job ends well before its
   * limit) schedules and cancels nothing per job. Insertion order keeps expiry order deterministic
   * for the simulation. At most one entry per child.
   */
  private final Map<ChildSlot, Limit> limits = new LinkedHashMap<>();

  private final Runnable onLimitTimer = this::onLimitTimer;
  private Loop.Timer limitTimer;
  private long limitTimerAt;

  private record Limit(PendingJob<?> job, long atNanos, long limitNanos, Failure code) {}

  JobWatch(
      String poolName, Loop loop, long slowThresholdNanos, PoolMetrics metrics, Expiry expiry) {
    this.poolName = poolName;
    this.loop = loop;
    this.slowThresholdNanos = slowThresholdNanos;
    this.metrics = metrics;
    this.expiry = expiry;
  }

  /**
   * A job starts on {@code child}; it may run {@code limitNanos} (0: no limit) before {@code code}.
   */
  void arm(ChildSlot child, PendingJob<?> job, long limitNanos, Failure code) {
    if (limitNanos > 0) {
      long at = loop.nanoTime() + limitNanos;
      limits.put(child, new Limit(job, at, limitNanos, code));
      armLimitTimer(at);
    }
    if (slowThresholdNanos > 0 && (limitNanos == 0 || slowThresholdNanos < limitNanos)) {
      job.slowTimer(loop.schedule(() -> onSlow(child, job), slowThresholdNanos));
    }
  }

  /** The job ended (reply, crash, cancel): nothing more to wait for on this child. */
  void disarm(ChildSlot child) {
    limits.remove(child);
    Asked pending = asked.remove(child);
    if (pending != null && pending.grace() != null) {
      pending.grace().cancel();
    }
  }

  /** True while {@code job}'s limit on {@code child} is watched (or its stack awaited at it). */
  boolean watches(ChildSlot child, PendingJob<?> job) {
    Limit limit = limits.get(child);
    Asked pending = asked.get(child);
    return (limit != null && limit.job() == job)
        || (pending != null && pending.atLimit() && pending.job() == job);
  }

  /** Every job this watch still holds an entry or a timer for, for the invariant check. */
  void forEachWatched(java.util.function.Consumer<PendingJob<?>> action) {
    limits.values().forEach(limit -> action.accept(limit.job()));
    asked.values().forEach(pending -> action.accept(pending.job()));
  }

  /** The pool stops: no job runs any more, so no limit is left to watch. */
  void stop() {
    limits.clear();
    if (limitTimer != null) {
      limitTimer.cancel();
      limitTimer = null;
    }
  }

  /** The limit timer is due no later than {@code at}. */
  private void armLimitTimer(long at) {
    if (limitTimer != null) {
      if (limitTimerAt <= at) {
        return;
      }
      limitTimer.cancel();
    }
    limitTimerAt = at;
    limitTimer = loop.schedule(onLimitTimer, Math.max(0, at - loop.nanoTime()));
  }

  /** Ends the jobs past their limit, forgets the ones that ended, and waits for the next one. */
  private void onLimitTimer() {
    limitTimer = null;
    long now = loop.nanoTime();
    long next = Long.MAX_VALUE;
    List<Map.Entry<ChildSlot, Limit>> due = new ArrayList<>();
    for (Iterator<Map.Entry<ChildSlot, Limit>> it = limits.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ChildSlot, Limit> entry = it.next();
      Limit limit = entry.getValue();
      if (entry.getKey().job() != limit.job() || limit.job().isDone()) {
        it.remove(); // ended without passing through disarm (its outcome was dropped)
      } else if (limit.atNanos() <= now) {
        it.remove();
        due.add(entry);
      } else {
        next = Math.min(next, limit.atNanos());
      }
    }
    if (next != Long.MAX_VALUE) {
      armLimitTimer(next);
    }
    for (Map.Entry<ChildSlot, Limit> entry : due) {
      Limit limit = entry.getValue();
      onLimit(entry.getKey(), limit.job(), limit.code(), limit.limitNanos());
    }
  }

  private void onLimit(ChildSlot child, PendingJob<?> job, Failure code, long limitNanos) {
    if (child.job() != job || job.isDone()) {
      return; // an earlier expiry in the same pass ended it
    }
    long ranMillis = TimeUnit.NANOSECONDS.toMillis(loop.nanoTime() - job.startedNanos());
    String why =
        (code == Failure.JOB_TIMEOUT ? "timed out" : "passed its deadline")
            + " after "
            + ranMillis
            + " ms (limit "
            + TimeUnit.NANOSECONDS.toMillis(limitNanos)
            + " ms) in "
            + child
            + "; the child is killed and replaced";
    if (child.controlLink() == null) {
      expiry.expire(child, job, code, why, null);
      return;
    }
    disarm(child);
    Loop.Timer grace = loop.schedule(() -> onNoStack(child, job), STACK_GRACE_NANOS);
    asked.put(child, new Asked(job, code, why, grace));
    ask(child, job);
  }

  private void onNoStack(ChildSlot child, PendingJob<?> job) {
    Asked pending = asked.remove(child);
    if (pending != null && pending.job() == job && child.job() == job) {
      expiry.expire(
          child,
          job,
          pending.code(),
          pending.why()
              + "; its stack could not be taken: the child did not answer within "
              + TimeUnit.NANOSECONDS.toMillis(STACK_GRACE_NANOS)
              + " ms",
          null);
    }
  }

  private void onSlow(ChildSlot child, PendingJob<?> job) {
    job.slowTimer(null);
    if (child.job() != job || job.isDone() || asked.containsKey(child)) {
      return;
    }
    metrics.jobSlow(job.type());
    if (child.controlLink() == null) {
      log.warn(
          "{}: slow job {} ({}) still running after {} ms in {}; no stack (no control channel)",
          poolName,
          job.id(),
          job.type(),
          TimeUnit.NANOSECONDS.toMillis(slowThresholdNanos),
          child);
      return;
    }
    asked.put(child, new Asked(job, null, null, null));
    ask(child, job);
  }

  private void ask(ChildSlot child, PendingJob<?> job) {
    child
        .controlLink()
        .send(
            ToChild.newBuilder()
                .setStackRequest(StackRequest.newBuilder().setJobId(job.id()))
                .build()); // not sent: at a limit, the grace ends the wait; slow, no log
  }

  /** The child's watchdog sent the stack of its job thread. */
  void onStack(ChildSlot child, StackReply reply) {
    Asked pending = asked.get(child);
    PendingJob<?> job = child.job();
    if (pending == null || job == null || pending.job() != job || job.id() != reply.getJobId()) {
      return; // the job ended meanwhile
    }
    asked.remove(child);
    if (pending.atLimit()) {
      pending.grace().cancel();
      log.warn(
          "{}: job {} ({}) {}; its stack:\n{}",
          poolName,
          job.id(),
          job.type(),
          pending.why(),
          reply.getThreadStack());
      job.span().event("procpool.job.stack", reply.getThreadStack());
      expiry.expire(child, job, pending.code(), pending.why(), reply.getThreadStack());
    } else {
      log.warn(
          "{}: slow job {} ({}) still running after {} ms in {}; its stack:\n{}",
          poolName,
          job.id(),
          job.type(),
          TimeUnit.NANOSECONDS.toMillis(slowThresholdNanos),
          child,
          reply.getThreadStack());
      job.span().event("procpool.job.slow", reply.getThreadStack());
    }
  }
}
