package dev.procpool.internal.engine;

import java.util.ArrayDeque;

/**
 * One child, from spawn to death: its state, process, connection and the job it runs.
 *
 * <p>Confined to the engine's loop: no field is read or written from any other thread.
 *
 * <pre>
 * STARTING --hello--> IDLE <--reply-- BUSY
 *     |                 \--dispatch--> /
 *     +----- kill / shutdown ----> STOPPING ---exit---> DEAD   (any state may go to DEAD on exit)
 * </pre>
 *
 * <p>With pipelining a BUSY child may also hold a job sent ahead ({@link #sentAhead()}), and stays
 * BUSY with no job while it owes an answer to a skip request ({@link Skip#AWAITED}).
 */
public final class ChildSlot {
  /** Where a child is in its life. */
  public enum State {
    STARTING,
    IDLE,
    BUSY,
    /** Killed or asked to shut down: takes no more jobs, waiting for its process to exit. */
    STOPPING,
    DEAD
  }

  private final int id;
  private final byte[] token;
  private final long spawnedNanos;

  /**
   * This child's share of the memory limits, in [0.9, 1): so children do not all recycle at once.
   */
  private final double limitFactor;

  private State state = State.STARTING;
  private ChildFactory.Process process;
  private long pid = -1;
  private ChildLink link;
  private ChildLink controlLink;
  private PendingJob<?> job;

  /** Pipelining: the job sent ahead, waiting in the child's socket behind {@link #job}; or null. */
  private PendingJob<?> sentAhead;

  /** Where a request to skip {@link #sentAhead} stands. */
  enum Skip {
    /** Not asked: the held job starts when the running one answers. */
    NONE,
    /** A SkipJob was sent; its answer has not come. */
    ASKED,
    /** Asked, and the running job answered first: busy with no job until the skip answer. */
    AWAITED,
    /** The child answered that the held job started (or will, after the running one). */
    REFUSED
  }

  private Skip skip = Skip.NONE;

  private Loop.Timer skipAnswerGrace;

  /** In {@link SendAhead}'s sets (each holds a child once). */
  private boolean inOpenSet;

  private boolean inHolderSet;

  private long jobsDone;
  private String stopReason;
  private boolean launched;
  private boolean wasReady;

  /** Set by rolling restart and shrinking: leave after the current job, never mid-job. */
  private boolean retireWhenIdle;

  /** A replacement for this child is queued or starting. */
  private boolean replacing;

  /** Jobs for this child only (broadcast), run before any queued job; created on first use. */
  private ArrayDeque<PendingJob<?>> pinned;

  private long heapBytes;
  private long cpuNanos;
  private long allocatedBytes;
  private long rssBytes;
  private long idleSinceNanos;

  /** The pending start (after a back-off), the start deadline, the grace after a closed channel. */
  private Loop.Timer launchTimer;

  private Loop.Timer startDeadline;
  private Loop.Timer lingerTimer;

  ChildSlot(int id, byte[] token, long spawnedNanos, double limitFactor) {
    this.id = id;
    this.token = token;
    this.spawnedNanos = spawnedNanos;
    this.limitFactor = limitFactor;
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

  void state(State state) {
    this.state = state;
  }

  /** Alive and counted towards the pool's size: starting, idle or busy. */
  public boolean isLive() {
    return state == State.STARTING || state == State.IDLE || state == State.BUSY;
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

  /** The control connection (stack requests), or null. */
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

  void link(ChildLink link) {
    this.link = link;
  }

  /** The job this child runs, or null. */
  PendingJob<?> job() {
    return job;
  }

  /** IDLE -> BUSY with this job. */
  void assign(PendingJob<?> job) {
    this.job = job;
    this.state = State.BUSY;
  }

  /** The job ended (reply, timeout, cancel, crash): BUSY -> IDLE. */
  void release() {
    job = null;
    if (state == State.BUSY) {
      state = State.IDLE;
      jobsDone++;
    }
  }

  PendingJob<?> sentAhead() {
    return sentAhead;
  }

  void sendAhead(PendingJob<?> job) {
    this.sentAhead = job;
    this.skip = Skip.NONE;
  }

  /** The job sent ahead, no longer held (started, skipped or lost with the child); or null. */
  PendingJob<?> takeSentAhead() {
    if (skip == Skip.AWAITED) {
      throw new IllegalStateException(this + ": held job taken while its skip answer is owed");
    }
    PendingJob<?> ahead = sentAhead;
    sentAhead = null;
    skip = Skip.NONE;
    return ahead;
  }

  Skip skip() {
    return skip;
  }

  /** Moves the skip request of the held job on; leaving {@link Skip#AWAITED} ends its grace. */
  void skip(Skip next) {
    if (skip == Skip.AWAITED && skipAnswerGrace != null) {
      skipAnswerGrace.cancel();
      skipAnswerGrace = null;
    }
    this.skip = next;
  }

  /**
   * The child answered its job, and the master had asked it to skip the one sent ahead: until the
   * answer comes, that job may or may not be running. {@code grace} fires if no answer comes.
   */
  void awaitSkipAnswer(Loop.Timer grace) {
    skip(Skip.AWAITED);
    this.skipAnswerGrace = grace;
  }

  boolean awaitingSkipAnswer() {
    return skip == Skip.AWAITED;
  }

  boolean inOpenSet() {
    return inOpenSet;
  }

  void inOpenSet(boolean in) {
    this.inOpenSet = in;
  }

  boolean inHolderSet() {
    return inHolderSet;
  }

  void inHolderSet(boolean in) {
    this.inHolderSet = in;
  }

  /** A broadcast job waits for this child. */
  boolean hasPinned() {
    return pinned != null && !pinned.isEmpty();
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

  String stopReason() {
    return stopReason;
  }

  /** Keeps the first reason: the one that explains the exit. */
  void stopReasonIfUnset(String reason) {
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

  boolean launched() {
    return launched;
  }

  void launched(boolean launched) {
    this.launched = launched;
  }

  /** True once the child said a valid hello; a child that dies before that failed to start. */
  boolean wasReady() {
    return wasReady;
  }

  void wasReady(boolean wasReady) {
    this.wasReady = wasReady;
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

  void memory(long heapBytes, long rssBytes) {
    this.heapBytes = heapBytes;
    this.rssBytes = rssBytes;
  }

  /** Adds a finished job's cost in the child. */
  void cost(long cpuNanos, long allocatedBytes) {
    this.cpuNanos += cpuNanos;
    this.allocatedBytes += allocatedBytes;
  }

  /** Resident memory as of the last reply, 0 before any. */
  long rssBytes() {
    return rssBytes;
  }

  double limitFactor() {
    return limitFactor;
  }

  void launchTimer(Loop.Timer timer) {
    this.launchTimer = timer;
  }

  void startDeadline(Loop.Timer timer) {
    this.startDeadline = timer;
  }

  void lingerTimer(Loop.Timer timer) {
    this.lingerTimer = timer;
  }

  void cancelStartDeadline() {
    if (startDeadline != null) {
      startDeadline.cancel();
      startDeadline = null;
    }
  }

  /** At death: nothing may fire for a child that is gone. */
  void cancelTimers() {
    cancelStartDeadline();
    if (launchTimer != null) {
      launchTimer.cancel();
      launchTimer = null;
    }
    if (lingerTimer != null) {
      lingerTimer.cancel();
      lingerTimer = null;
    }
  }

  /** An immutable copy for status pages, made on the loop. */
  ChildSnapshot snapshot(long nowNanos) {
    return new ChildSnapshot(
        id,
        pid,
        state,
        jobsDone,
        job == null ? null : job.type(),
        job == null || job.startedNanos() == 0 ? 0 : (nowNanos - job.startedNanos()) / 1_000_000,
        (nowNanos - spawnedNanos) / 1_000_000,
        heapBytes,
        rssBytes,
        cpuNanos / 1_000_000,
        allocatedBytes);
  }

  @Override
  public String toString() {
    return "child " + id + (pid > 0 ? " (pid " + pid + ")" : "");
  }
}
