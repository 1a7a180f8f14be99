package dev.procpool.master.children;

import dev.procpool.master.dispatch.PendingJob;
import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;

/**
 * One child JVM, from spawn to death: its state, process, channel and the job it runs.
 *
 * <p>Confined to the pool's event loop: no field is read or written from any other thread.
 *
 * <pre>
 * STARTING --hello--> IDLE <--reply-- BUSY
 *     |                 \--dispatch--> /
 *     +----- kill / shutdown ----> STOPPING ---exit---> DEAD   (any state may go to DEAD on exit)
 * </pre>
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
  private State state = State.STARTING;
  private Process process;
  private long pid = -1;
  private Channel channel;
  private PendingJob<?> job;
  private long jobsDone;
  private ScheduledFuture<?> startDeadline;
  private String stopReason;
  private boolean launched;
  private boolean wasReady;
  /** Set by rolling restart and shrinking: leave after the current job, never mid-job. */
  private boolean retireWhenIdle;
  /** Jobs for this child only (broadcast), run before any queued job; created on first use. */
  private java.util.ArrayDeque<PendingJob<?>> pinned;
  /** Memory last reported with a reply, and this child's share of the limits (jitter). */
  private long heapBytes;
  private long rssBytes;
  private final double limitFactor = 0.9 + 0.1 * java.util.concurrent.ThreadLocalRandom.current().nextDouble();
  /** A replacement for this child is queued or starting. */
  private boolean replacing;
  private long idleSinceNanos;

  ChildSlot(int id, byte[] token, long spawnedNanos) {
    this.id = id;
    this.token = token;
    this.spawnedNanos = spawnedNanos;
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

  public long pid() {
    return pid;
  }

  void pid(long pid) {
    this.pid = pid;
  }

  Process process() {
    return process;
  }

  void process(Process process) {
    this.process = process;
  }

  public Channel channel() {
    return channel;
  }

  void channel(Channel channel) {
    this.channel = channel;
  }

  /** The job this child runs, or null. */
  public PendingJob<?> job() {
    return job;
  }

  /** Called by the dispatcher: IDLE -> BUSY with this job. */
  public void assign(PendingJob<?> job) {
    this.job = job;
    this.state = State.BUSY;
  }

  /** When this child last became idle (for dynamic sizing). */
  public long idleSinceNanos() {
    return idleSinceNanos;
  }

  public void idleSince(long nanos) {
    this.idleSinceNanos = nanos;
  }

  /** Called by the dispatcher when the job ends (reply, timeout, cancel, crash). */
  public PendingJob<?> release() {
    PendingJob<?> finished = job;
    job = null;
    if (state == State.BUSY) {
      state = State.IDLE;
      jobsDone++;
    }
    return finished;
  }

  public long jobsDone() {
    return jobsDone;
  }

  long spawnedNanos() {
    return spawnedNanos;
  }

  ScheduledFuture<?> startDeadline() {
    return startDeadline;
  }

  void startDeadline(ScheduledFuture<?> startDeadline) {
    this.startDeadline = startDeadline;
  }

  String stopReason() {
    return stopReason;
  }

  void stopReason(String stopReason) {
    this.stopReason = stopReason;
  }

  public boolean retireWhenIdle() {
    return retireWhenIdle;
  }

  void retireWhenIdle(boolean retireWhenIdle) {
    this.retireWhenIdle = retireWhenIdle;
  }

  /** Queues a job that only this child may run. */
  public void pin(PendingJob<?> job) {
    if (pinned == null) {
      pinned = new java.util.ArrayDeque<>();
    }
    pinned.addLast(job);
  }

  /** The next job pinned to this child, or null. */
  public PendingJob<?> pollPinned() {
    return pinned == null ? null : pinned.pollFirst();
  }

  void memory(long heapBytes, long rssBytes) {
    this.heapBytes = heapBytes;
    this.rssBytes = rssBytes;
  }

  long heapBytes() {
    return heapBytes;
  }

  long rssBytes() {
    return rssBytes;
  }

  double limitFactor() {
    return limitFactor;
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

  /** An immutable copy for status pages, made on the loop. */
  dev.procpool.PoolStatus.Child snapshot(long nowNanos) {
    return new dev.procpool.PoolStatus.Child(
        id,
        pid,
        state.name(),
        jobsDone,
        job == null ? null : job.type(),
        job == null ? 0 : java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nowNanos - job.startedNanos()),
        java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nowNanos - spawnedNanos),
        heapBytes,
        rssBytes);
  }

  @Override
  public String toString() {
    return "child " + id + (pid > 0 ? " (pid " + pid + ")" : "");
  }
}
