package dev.procpool.internal.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how many children the pool keeps and which to replace: dynamic growth under backlog,
 * retiring idle extras, resize, rolling restart, and recycling after N jobs or past a memory limit.
 * It decides; the {@link Roster} starts and stops. Confined to the loop.
 */
final class Capacity {
  private static final Logger log = LoggerFactory.getLogger(Capacity.class);

  private final String poolName;
  private final Loop loop;
  private final Roster roster;
  private final RecyclePolicy recycle;
  private final Failure.Factory failures;

  Capacity(
      String poolName, Loop loop, Roster roster, RecyclePolicy recycle, Failure.Factory failures) {
    this.poolName = poolName;
    this.loop = loop;
    this.roster = roster;
    this.recycle = recycle;
    this.failures = failures;
  }

  /** Jobs wait with no child free: a dynamic pool grows by one. */
  void onBacklog(int queued) {
    Sizing sizing = roster.sizing();
    if (roster.isClosing() || roster.unhealthy() || !sizing.dynamic()) {
      return;
    }
    if (sizing.growFor(queued, roster.slots().starting())) {
      log.info(
          "{}: {} jobs waiting; growing to {} children (max {})",
          poolName,
          queued,
          sizing.target(),
          sizing.max());
      roster.replenish();
    }
  }

  /** Housekeeping for dynamic pools: an extra child idle past the timeout leaves. */
  void retireIdleExtras() {
    if (roster.isClosing()) {
      return;
    }
    Sizing sizing = roster.sizing();
    long now = loop.nanoTime();
    for (ChildSlot child : roster.slots().all()) {
      if (child.state() == ChildSlot.State.IDLE
          && !child.replacing()
          && sizing.shrinkFor(child.idleSinceNanos(), now)) {
        log.info(
            "{}: {} idle too long; shrinking to {} children", poolName, child, sizing.target());
        roster.retire(child, "idle above the minimum of " + sizing.min());
      }
    }
  }

  /**
   * After a job: true if the child leaves now (retired after its job, or its share of jobs done).
   */
  boolean retireIfDue(ChildSlot child) {
    if (child.retireWhenIdle() || recycle.dueByJobs(child.jobsDone())) {
      roster.retire(
          child,
          child.retireWhenIdle()
              ? "retired after its job"
              : "recycled after " + child.jobsDone() + " jobs");
      return true;
    }
    return false;
  }

  /** Whether the child is to be recycled once its next {@code jobs} jobs are done. */
  boolean dueAfter(ChildSlot child, int jobs) {
    return recycle.dueByJobs(child.jobsDone() + jobs);
  }

  /**
   * The child reported its memory with a reply: over its limit, it is replaced (replacement first).
   */
  void observed(ChildSlot child, long heapBytes, long rssBytes) {
    child.usage().memory(heapBytes, rssBytes);
    if (child.replacing() || roster.isClosing()) {
      return;
    }
    String over = recycle.overMemory(heapBytes, rssBytes, child.limitFactor());
    if (over != null) {
      log.info("{}: {} has {}; replacing it", poolName, child, over);
      roster.rolling().replace(child, roster.isClosing());
    }
  }

  /** Replaces every current child, one at a time; completes when every old child has exited. */
  CompletableFuture<Void> restartAll() {
    log.info("{}: rolling restart of {} children", poolName, roster.liveCount());
    CompletableFuture<Void> done =
        roster.rolling().restartAll(roster.slots().all(), roster.isClosing());
    roster.rolling().checkDone(roster.slots()::contains);
    return done;
  }

  /**
   * Sets how many children the pool keeps: growing starts children at once; shrinking retires idle
   * ones first, busy ones after their job, never interrupting a job. Completes when exactly that
   * many are ready and none is leaving; fails if a later resize changes the size first.
   */
  CompletableFuture<Void> resize(int children) {
    log.info("{}: resizing from {} to {} children", poolName, roster.sizing().target(), children);
    roster.sizing().resize(children);
    int excess = roster.liveCount() - children;
    for (ChildSlot.State state :
        List.of(ChildSlot.State.STARTING, ChildSlot.State.IDLE, ChildSlot.State.BUSY)) {
      for (ChildSlot child : roster.slots().all()) {
        if (excess > 0
            && (child.state() == state
                || (state == ChildSlot.State.STARTING
                    && child.state() == ChildSlot.State.LAUNCHING))
            && !child.retireWhenIdle()
            && !roster.rolling().isExtra(child)) {
          roster.retireGracefully(child, "pool shrunk to " + children);
          excess--;
        }
      }
    }
    roster.replenish();
    CompletableFuture<Void> done = roster.resizes().add(children, failures, poolName);
    roster.resizes().check(roster.slots()::settledAt);
    return done;
  }
}
