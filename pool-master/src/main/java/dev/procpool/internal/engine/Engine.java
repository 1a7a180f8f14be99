package dev.procpool.internal.engine;

import dev.procpool.protocol.Hello;
import dev.procpool.protocol.JobReply;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's engine: the queue, the children and everything between them, on one {@link Loop}. It
 * routes events one way (the dispatcher and the roster report to it through their listeners) and
 * commands the other (it calls them); neither knows the other.
 *
 * <p>Every method but {@link #admission()}, {@link #counts()}, {@link #jobContext()} and {@link
 * #problem()} must be called on the loop. It depends on nothing outside {@code
 * dev.procpool.internal} and the protocol: processes come through {@link ChildFactory}, connections
 * through {@link ChildLink}, time through {@link Loop}, so a test can run it on one thread with a
 * fake clock and fake children.
 */
public final class Engine implements ChildEvents, Dispatcher.Listener {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final String poolName;
  private final Loop loop;
  private final Admission admission;
  private final Counts counts = new Counts();
  private final JobLedger ledger = new JobLedger();
  private final Dispatcher dispatcher;
  private final JobEnds ends;
  private final JobWatch watch;
  private final Roster roster;
  private final Capacity capacity;
  private final JobContext jobContext;
  private final Pipelining pipelining;
  private final Invariants invariants;
  private HousekeepingTask housekeeping;

  /** {@code defects} hears of programmer errors; the simulation's fails the run. */
  public Engine(
      EngineSettings settings,
      Loop loop,
      ChildFactory factory,
      Admission admission,
      Executor callbacks,
      PoolMetrics metrics,
      Failure.Factory failures,
      Random random,
      Defects defects) {
    this.poolName = settings.poolName();
    this.loop = loop;
    this.admission = admission;
    this.roster =
        new Roster(settings, loop, factory, this, metrics, failures, random, counts, defects);
    this.watch =
        new JobWatch(poolName, loop, settings.slowJobThresholdNanos(), metrics, this::expire);
    Pipelining pipelining = Pipelining.OFF;
    HeldJobs held = null;
    if (settings.pipelining()) {
      held =
          new HeldJobs(
              loop,
              metrics,
              this,
              new SendAhead(this::mayHoldAnother),
              new HoldDepth(settings.maxDepth(), settings.depthBudgetNanos()),
              counts::publishDepth);
      pipelining = held;
    }
    this.dispatcher =
        new Dispatcher(
            poolName, loop, admission, ledger, counts, this, roster::liveCount, watch, pipelining);
    if (held != null) {
      held.host(dispatcher.pipeliningHost());
    }
    this.pipelining = pipelining;
    this.ends =
        new JobEnds(
            poolName,
            loop,
            settings.retryableJobTypes(),
            settings.maxAttempts(),
            dispatcher,
            pipelining,
            watch,
            this,
            metrics);
    this.invariants =
        new Invariants(ledger, admission, dispatcher, roster.slots(), watch, pipelining);
    this.capacity =
        new Capacity(
            poolName,
            loop,
            roster,
            new RecyclePolicy(
                settings.maxJobsPerChild(),
                settings.recycleAboveHeapBytes(),
                settings.recycleAboveRssBytes()),
            failures);
    this.jobContext =
        new JobContext(
            loop,
            new CompletionBatch(loop, callbacks),
            metrics,
            failures,
            poolName,
            admission,
            ledger,
            defects);
  }

  /** A running job reached its time limit: see {@link JobEnds#expire}. */
  private void expire(ChildSlot child, PendingJob<?> job, Failure code, String why, String stack) {
    ends.expire(child, job, code, why, stack);
  }

  /** Pipelining: whether a busy child may be sent one more job, to run after those it has. */
  private boolean mayHoldAnother(ChildSlot child) {
    return child.isReady()
        && child.controlLink() != null // a skip request needs it
        && !child.hasPinned()
        && !capacity.dueAfter(child, 1 + child.hold().size()); // its running and held jobs
  }

  /** What every job of this pool shares; any thread. */
  public JobContext jobContext() {
    return jobContext;
  }

  /** The queue bound, checked at submit; any thread. */
  public Admission admission() {
    return admission;
  }

  /** The numbers the loop publishes, for gauges; any thread. */
  public Counts counts() {
    return counts;
  }

  /** Why the pool cannot run jobs, or null while it can; any thread. */
  public String problem() {
    return roster.health().problem();
  }

  /** Starts the children; completes when all are ready, or fails with {@code SPAWN_FAILED}. */
  public CompletableFuture<Void> start() {
    checkInLoop();
    if (roster.sizing().dynamic()) {
      long every =
          Math.max(TimeUnit.MILLISECONDS.toNanos(50), roster.sizing().idleTimeoutNanos() / 4);
      housekeeping = new HousekeepingTask(poolName, loop, capacity, roster::isClosing, every);
    }
    return roster.startAll();
  }

  // ---- jobs ----

  /** An admitted job reaches the loop. */
  public void enqueue(PendingJob<?> job) {
    checkInLoop();
    if (job.isDone()) {
      return; // cancelled on its way to the loop; the cancel released its admission
    }
    if (dispatcher.isDraining()) {
      job.fail(Failure.POOL_CLOSED, dispatcher.message(job, "pool is closing"));
    } else if (roster.unhealthy()) {
      job.fail(Failure.SPAWN_FAILED, dispatcher.message(job, roster.health().reason()));
    } else {
      dispatcher.enqueue(job);
    }
  }

  /**
   * The user cancelled the job's future: a queued job leaves the queue; a running one's child is
   * killed if {@code interrupt}, else the job runs on and its outcome is dropped.
   */
  public void cancel(PendingJob<?> job, boolean interrupt) {
    checkInLoop();
    ends.cancel(job, interrupt);
  }

  /**
   * Runs a job on this child only, between its jobs: now if it is idle, else right after its
   * current job, before anything queued. For broadcasts; the job must be admitted.
   */
  public void pin(ChildSlot child, PendingJob<?> job) {
    checkInLoop();
    job.toPinned(child);
    if (child.state() == ChildSlot.State.IDLE) {
      dispatcher.startPinned(child, job);
    } else {
      child.pin(job);
      pipelining.recallAll(child); // jobs sent ahead to it would run first
    }
  }

  /** Children that can run a job now or after their current one. */
  public List<ChildSlot> readyChildren() {
    checkInLoop();
    return roster.slots().readyChildren();
  }

  // ---- children ----

  /** The first frame on a new connection: the admitted child, or null to close the connection. */
  public ChildSlot onHello(ChildLink link, Hello hello) {
    checkInLoop();
    return roster.onHello(link, hello);
  }

  /** A child answered. */
  public void onReply(ChildSlot child, JobReply reply) {
    checkInLoop();
    if (child.state() == ChildSlot.State.DEAD) {
      return;
    }
    if (!child.isLive()) {
      ends.onLeavingReply(child, reply); // read to the end: its loss rests on all it did
      return;
    }
    AfterReply after = ends.onReply(child, reply);
    if (after == AfterReply.UNEXPECTED) {
      ChildSlot.State state = child.state();
      onProtocolError(
          child,
          "sent a reply for job "
              + reply.getJobId()
              + (child.job() == null
                  ? " while " + state.name().toLowerCase(java.util.Locale.ROOT)
                  : " while running job " + child.job().id()));
      return;
    }
    capacity.observed(child, reply.getHeapUsedBytes(), reply.getRssBytes());
    if (reply.getChildExiting()) {
      roster.onExiting(child); // never another job for a child that is halting
      return;
    }
    if (after == AfterReply.FREE) {
      afterJob(child);
    }
  }

  /** A child finished a job: a pinned job first, else retire it if due, else offer it work. */
  private void afterJob(ChildSlot child) {
    for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
      if (!pinned.isDone()) {
        dispatcher.startPinned(child, pinned);
        return;
      }
    }
    if (child.isLive() && !capacity.retireIfDue(child)) {
      dispatcher.offer(child);
    }
  }

  /** The child broke the protocol: its job fails, the child is killed and replaced. */
  public void onProtocolError(ChildSlot child, String what) {
    checkInLoop();
    if (child.state() == ChildSlot.State.DEAD) {
      return;
    }
    boolean live = child.isLive(); // a leaving child is read to the end, until this: then void
    if (live) {
      log.error("{}: {} {}; killing it", poolName, child, what);
    }
    ends.onProtocolError(child, what);
    if (live) {
      roster.kill(child, "protocol error: " + what);
    }
  }

  /** A child's control connection (its watchdog's): the child, or null to close the connection. */
  public ChildSlot onControlHello(ChildLink link, Hello hello) {
    checkInLoop();
    return roster.onControlHello(link, hello);
  }

  /** The child's watchdog sent its job thread's stack. */
  public void onStack(ChildSlot child, dev.procpool.protocol.StackReply reply) {
    checkInLoop();
    watch.onStack(child, reply);
  }

  /** The child's control connection closed: no more stacks or skip answers from it. */
  public void onControlClosed(ChildSlot child) {
    checkInLoop();
    child.controlLink(null);
    pipelining.onControlClosed(child);
    roster.onLinkClosed(child);
  }

  /** The child's watchdog answered a request to skip a job sent ahead to it. */
  public void onSkipAnswer(ChildSlot child, dev.procpool.protocol.SkipAnswer answer) {
    checkInLoop();
    // A leaving child's answers still count: they say which held jobs never ran (HeldJobs).
    if (pipelining.onSkipAnswer(child, answer) == AfterReply.FREE && child.isLive()) {
      afterJob(child);
    }
  }

  /** The child's connection closed. */
  public void onChannelClosed(ChildSlot child) {
    checkInLoop();
    roster.onChannelClosed(child);
  }

  @Override
  public void onChildReady(ChildSlot child) {
    dispatcher.offer(child);
  }

  @Override
  public void onChildLeaving(ChildSlot child) {
    dispatcher.detach(child);
  }

  @Override
  public void onChildLost(ChildSlot child, ChildDeath death) {
    ends.onChildLost(child, death);
  }

  @Override
  public void onUnhealthy(String reason) {
    dispatcher.failQueued(Failure.SPAWN_FAILED, reason);
  }

  @Override
  public void onJobAbandoned(ChildSlot child, String reason) {
    roster.kill(child, reason);
  }

  @Override
  public void onBacklog(int queued) {
    capacity.onBacklog(queued);
  }

  // ---- operations ----

  public CompletableFuture<Void> restartAll() {
    checkInLoop();
    return capacity.restartAll();
  }

  public CompletableFuture<Void> resize(int children) {
    checkInLoop();
    if (children < 1) {
      throw new IllegalArgumentException("children must be >= 1: " + children);
    }
    return capacity.resize(children);
  }

  /** Refuses new jobs from now on; completes when nothing is queued or running. */
  public CompletableFuture<Void> drain() {
    checkInLoop();
    return dispatcher.drain();
  }

  /**
   * After the drain: fails what is still queued or running ({@code POOL_CLOSED}), then stops every
   * child without replacing any. Completes when every child process has exited.
   */
  public CompletableFuture<Void> stop(String reason) {
    checkInLoop();
    roster.closing(); // first: the children killed below must not be replaced
    if (housekeeping != null) {
      housekeeping.cancel();
    }
    ends.abandonAll(reason, roster.slots().all());
    return roster.stopAll(dispatcher.takeIdle());
  }

  /** Last resort at close: SIGKILL every child still there. */
  public void killAll() {
    checkInLoop();
    roster.killAll();
  }

  public EngineStatus status() {
    checkInLoop();
    return new EngineStatus(
        dispatcher.queued(),
        dispatcher.busy(),
        dispatcher.idle(),
        counts.depth(),
        roster.sizing().target(),
        roster.slots().snapshot(loop.nanoTime()),
        roster.recentDeaths());
  }

  /**
   * Recounts every job and child from where they are and throws {@link AssertionError} if any
   * count, place or timer disagrees; see {@link Invariants}. For tests: it walks everything.
   */
  public void checkInvariants() {
    checkInLoop();
    invariants.check();
  }

  /** Queued jobs, held ones included: for the simulation's queue bound. */
  int queued() {
    checkInLoop();
    return dispatcher.queued();
  }

  private void checkInLoop() {
    if (!loop.inLoop()) {
      throw new IllegalStateException("Engine used outside its loop");
    }
  }
}
