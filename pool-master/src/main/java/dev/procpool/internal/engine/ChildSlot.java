package dev.procpool.internal.engine;

import java.util.ArrayDeque;

/**
 * One child, from spawn to death: its one state, its process, connections, and the job it runs.
 *
 * <pre>
 * LAUNCHING --fork--> STARTING --hello--> IDLE <--reply-- BUSY
 *     |                  |                  \--dispatch--> /
 *     |                  +--kill--> ABORTING     +-- kill / retire --> STOPPING
 *     +--kill (never forked)--> DEAD  <---exit--- (any state but LAUNCHING)
 * </pre>
 *
 * <p>{@code ABORTING} and {@code STOPPING} both wait for the process to exit; the first was never
 * ready, which is how a failed start is told from a stopped child. With pipelining a BUSY child may
 * also {@link #hold()} jobs sent ahead, and stays BUSY with no job while it owes an answer to a
 * skip request. A transition the diagram does not allow is refused and reported to {@link Defects}.
 *
 * <p>Confined to the engine's loop: no field is read or written from any other thread.
 */
public final class ChildSlot {
  /** Where a child is in its life. */
  public enum State {
    /** Waiting for its start's back-off: no process yet. */
    LAUNCHING,
    /** Forked (or being forked), no valid hello yet. */
    STARTING,
    IDLE,
    BUSY,
    /** Stopped before it was ready: waiting for its process to exit. */
    ABORTING,
    /** Killed or asked to shut down after it was ready: takes no more jobs, waiting to exit. */
    STOPPING,
    DEAD;

    /** The state as the status page shows it: the public {@code ChildState} has no finer ones. */
    public State shown() {
      return this == LAUNCHING ? STARTING : this == ABORTING ? STOPPING : this;
    }

    boolean allows(State next) {
      return switch (this) {
        case LAUNCHING -> next == STARTING || next == DEAD;
        case STARTING -> next == IDLE || next == ABORTING || next == DEAD;
        case IDLE, BUSY -> next == (this == IDLE ? BUSY : IDLE) || next == STOPPING || next == DEAD;
        case ABORTING, STOPPING -> next == DEAD;
        case DEAD -> false;
      };
    }
  }

  private final int id;
  private final byte[] token;
  private final long spawnedNanos;

  /**
   * This child's share of the memory limits, in [0.9, 1): so children do not all recycle at once.
   */
  private final double limitFactor;

  private final Defects defects;
  private State state = State.LAUNCHING;
  private ChildFactory.Process process;
  private long pid = -1;
  private ChildLink link;
  private boolean linkOpen;
  private ChildLink controlLink;
  private HeardExit heardExit;
  private PendingJob<?> job;
  private final Hold hold = new Hold();
  private final ChildUsage usage = new ChildUsage();
  private long jobsDone;
  private StopReason stopReason;

  /** Set by rolling restart and shrinking: leave after the current job, never mid-job. */
  private boolean retireWhenIdle;

  /** A replacement for this child is queued or starting. */
  private boolean replacing;

  /** Jobs for this child only (broadcast), run before any queued job; created on first use. */
  private ArrayDeque<PendingJob<?>> pinned;

  private long idleSinceNanos;

  /** The pending start (after a back-off), the start deadline, the grace after a closed channel. */
  private final ChildTimers timers = new ChildTimers();

  ChildSlot(int id, byte[] token, long spawnedNanos, double limitFactor, Defects defects) {
    this.id = id;
    this.token = token;
    this.spawnedNanos = spawnedNanos;
    this.limitFactor = limitFactor;
    this.defects = defects;
  }

  public int id() {
    return id;
  }

  byte[] token() {
    return token;
  }

  public State state() {
    return state;
  }

  /** The one way a child's state changes; false (and a defect) when the move is not allowed. */
  boolean to(State next) {
    if (!state.allows(next)) {
      defects.report(this + ": " + state + " -> " + next + " is not allowed");
      return false;
    }
    state = next;
    return true;
  }

  /** Takes no more jobs and waits for its exit: ABORTING before its hello, else STOPPING. */
  void stopping() {
    if (state == State.STARTING) {
      to(State.ABORTING);
    } else if (state == State.IDLE || state == State.BUSY) {
      to(State.STOPPING);
    }
  }

  /** Alive and counted towards the pool's size: starting, idle or busy. */
  public boolean isLive() {
    return state == State.LAUNCHING
        || state == State.STARTING
        || state == State.IDLE
        || state == State.BUSY;
  }

  /** Not yet ready: waiting for its back-off, or for its hello. */
  boolean isStarting() {
    return state == State.LAUNCHING || state == State.STARTING;
  }

  /** Live and not leaving after its current job: counts towards the pool's size. */
  boolean isStaying() {
    return isLive() && !retireWhenIdle;
  }

  /** Idle or busy, and staying: can run a job now or after its current one. */
  boolean isReady() {
    return (state == State.IDLE || state == State.BUSY) && !retireWhenIdle;
  }

  public long pid() {
    return pid;
  }

  void pid(long pid) {
    this.pid = pid;
  }

  ChildFactory.Process process() {
    return process;
  }

  void process(ChildFactory.Process process) {
    this.process = process;
  }

  ChildLink link() {
    return link;
  }

  void link(ChildLink link) {
    this.link = link;
    this.linkOpen = link != null;
  }

  /** Its connection went inactive: everything the child wrote on it has been read. */
  void linkClosed() {
    linkOpen = false;
  }

  /** A connection may still hold bytes the child wrote. */
  boolean linksOpen() {
    return linkOpen || controlLink != null;
  }

  /** Its process ended before its connections were read to their end; or null. */
  HeardExit heardExit() {
    return heardExit;
  }

  void heardExit(HeardExit exit) {
    this.heardExit = exit;
  }

  /** The control connection (stack requests, skip requests), or null. */
  ChildLink controlLink() {
    return controlLink;
  }

  void controlLink(ChildLink link) {
    this.controlLink = link;
  }

  /** Closes both connections, if open. */
  void closeLinks() {
    if (link != null) {
      link.close();
    }
    if (controlLink != null) {
      controlLink.close();
    }
  }

  /** The job this child runs, or null. */
  PendingJob<?> job() {
    return job;
  }

  /** IDLE -> BUSY with this job. */
  void assign(PendingJob<?> job) {
    this.job = job;
    to(State.BUSY);
  }

  /** The job ended (reply, timeout, cancel, crash): BUSY -> IDLE. */
  void release() {
    job = null;
    if (state == State.BUSY) {
      to(State.IDLE);
      jobsDone++;
    }
  }

  /** Pipelining's part: the jobs sent ahead and their skip requests. */
  Hold hold() {
    return hold;
  }

  /** A broadcast job waits for this child. */
  boolean hasPinned() {
    return pinned != null && !pinned.isEmpty();
  }

  /** Queues a job that only this child may run. */
  void pin(PendingJob<?> job) {
    if (pinned == null) {
      pinned = new ArrayDeque<>();
    }
    pinned.addLast(job);
  }

  /** The next job pinned to this child, or null. */
  PendingJob<?> pollPinned() {
    return pinned == null ? null : pinned.pollFirst();
  }

  /** The jobs pinned to this child, for the invariant check. */
  Iterable<PendingJob<?>> pinned() {
    return pinned == null ? java.util.List.of() : pinned;
  }

  public long jobsDone() {
    return jobsDone;
  }

  long spawnedNanos() {
    return spawnedNanos;
  }

  long idleSinceNanos() {
    return idleSinceNanos;
  }

  void idleSince(long nanos) {
    this.idleSinceNanos = nanos;
  }

  StopReason stopReason() {
    return stopReason;
  }

  /** Keeps the first reason: the one that explains the exit. */
  void stopReasonIfUnset(StopReason reason) {
    if (stopReason == null) {
      stopReason = reason;
    }
  }

  boolean retireWhenIdle() {
    return retireWhenIdle;
  }

  void retireWhenIdle(boolean retireWhenIdle) {
    this.retireWhenIdle = retireWhenIdle;
  }

  boolean replacing() {
    return replacing;
  }

  void replacing(boolean replacing) {
    this.replacing = replacing;
  }

  ChildUsage usage() {
    return usage;
  }

  double limitFactor() {
    return limitFactor;
  }

  /** Its launch, start-deadline and linger timers. */
  ChildTimers timers() {
    return timers;
  }

  /** An immutable copy for status pages, made on the loop. */
  ChildSnapshot snapshot(long nowNanos) {
    return new ChildSnapshot(
        id,
        pid,
        state.shown(),
        jobsDone,
        job == null ? null : job.type(),
        job == null || job.startedNanos() == 0 ? 0 : (nowNanos - job.startedNanos()) / 1_000_000,
        (nowNanos - spawnedNanos) / 1_000_000,
        usage.heapBytes,
        usage.rssBytes,
        usage.cpuNanos / 1_000_000,
        usage.allocatedBytes);
  }

  @Override
  public String toString() {
    return "child " + id + (pid > 0 ? " (pid " + pid + ")" : "");
  }
}
