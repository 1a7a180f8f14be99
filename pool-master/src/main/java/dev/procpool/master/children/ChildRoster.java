package dev.procpool.master.children;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import dev.procpool.child.internal.ExitCodes;
import dev.procpool.master.dispatch.Dispatcher;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.ProtocolVersion;
import dev.procpool.protocol.Shutdown;
import dev.procpool.protocol.ToChild;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import dev.procpool.master.metrics.PoolMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's children: spawns them, admits them on a valid hello, notices their death, kills and
 * replaces them, and backs off when they keep failing to start.
 *
 * <p>Confined to the pool's event loop. Process events arrive from other threads and hop onto the
 * loop first. The pool keeps {@code target} children live (starting, idle or busy): every death,
 * kill or retirement is followed by {@link #replenish()}.
 */
public final class ChildRoster implements Dispatcher.Children {
  private static final Logger log = LoggerFactory.getLogger(ChildRoster.class);
  static final long FIRST_BACKOFF_MILLIS = 100;
  static final long MAX_BACKOFF_MILLIS = 10_000;
  /** How long a child may keep running after closing its channel before it is killed. */
  static final long CHANNEL_CLOSED_GRACE_MILLIS = 1_000;
  /** Prefix of the stop reasons that mean a child could not start properly. */
  private static final String START_FAULT = "start-up fault: ";

  private final String poolName;
  private final EventLoop loop;
  private final ChildLauncher launcher;
  private final Dispatcher dispatcher;
  private int target;
  private final long maxJobsPerChild;
  private final Duration startTimeout;
  private final int spawnFailureLimit;
  private final SecureRandom random = new SecureRandom();
  private final Map<Integer, ChildSlot> slots = new LinkedHashMap<>();
  private final CompletableFuture<Void> allStarted = new CompletableFuture<>();
  private final CompletableFuture<Void> allExited = new CompletableFuture<>();

  private final PoolMetrics metrics;
  private final long recycleAboveHeapBytes;
  private final long recycleAboveRssBytes;
  /** Dynamic sizing: the pool keeps at least minChildren and grows to maxChildren under backlog. */
  private int minChildren;
  private int maxChildren;
  private final Duration childIdleTimeout;
  private final AtomicInteger livePublished = new AtomicInteger();
  /** Why the pool cannot run jobs, or null; published for health checks off the loop. */
  private volatile String unhealthyPublished;

  /** Rolling restart: the children still to replace, oldest first, and the extra one starting. */
  private final java.util.ArrayDeque<ChildSlot> toReplace = new java.util.ArrayDeque<>();
  private final java.util.Set<Integer> replacedIds = new java.util.HashSet<>();
  private ChildSlot rollingExtra;
  private CompletableFuture<Void> rolled;
  /** Completed when the live children match the target and none is stopping (resize). */
  private CompletableFuture<Void> settled;

  private int nextId = 1;
  private int failedStartsInRow;
  private String lastStartFailure = "";
  private boolean closing;

  public ChildRoster(
      String poolName,
      EventLoop loop,
      ChildLauncher launcher,
      Dispatcher dispatcher,
      int target,
      long maxJobsPerChild,
      Duration startTimeout,
      int spawnFailureLimit,
      PoolMetrics metrics,
      long recycleAboveHeapBytes,
      long recycleAboveRssBytes,
      int maxChildren,
      Duration childIdleTimeout) {
    this.metrics = metrics;
    this.minChildren = target;
    this.maxChildren = maxChildren;
    this.childIdleTimeout = childIdleTimeout;
    this.recycleAboveHeapBytes = recycleAboveHeapBytes;
    this.recycleAboveRssBytes = recycleAboveRssBytes;
    this.poolName = poolName;
    this.loop = loop;
    this.launcher = launcher;
    this.dispatcher = dispatcher;
    this.target = target;
    this.maxJobsPerChild = maxJobsPerChild;
    this.startTimeout = startTimeout;
    this.spawnFailureLimit = spawnFailureLimit;
  }

  /** Spawns the initial children; the future completes when all are ready, or fails with why not. */
  public CompletableFuture<Void> startAll() {
    checkInLoop();
    replenish();
    if (maxChildren > minChildren) {
      long every = Math.max(50, childIdleTimeout.toMillis() / 4);
      loop.scheduleAtFixedRate(this::retireIdleExtras, every, every, TimeUnit.MILLISECONDS);
    }
    return allStarted;
  }

  @Override
  public void onBacklog(int queued) {
    if (closing || target >= maxChildren || unhealthy()) {
      return;
    }
    int starting = 0;
    for (ChildSlot child : slots.values()) {
      if (child.state() == ChildSlot.State.STARTING) {
        starting++;
      }
    }
    if (starting < queued) { // more waiting jobs than children on their way: grow by one
      target++;
      log.info("{}: {} jobs waiting; growing to {} children (max {})", poolName, queued, target, maxChildren);
      replenish();
    }
  }

  /** Housekeeping for dynamic pools: an extra child idle past the timeout leaves. */
  private void retireIdleExtras() {
    if (closing || target <= minChildren) {
      return;
    }
    long now = System.nanoTime();
    for (ChildSlot child : new ArrayList<>(slots.values())) {
      if (target > minChildren && child.state() == ChildSlot.State.IDLE && !child.replacing()
          && now - child.idleSinceNanos() > childIdleTimeout.toNanos()) {
        target--;
        log.info("{}: {} idle for over {} ms; shrinking to {} children", poolName, child, childIdleTimeout.toMillis(), target);
        retire(child, "idle above the minimum of " + minChildren);
      }
    }
  }

  private void replenish() {
    int live = liveCount();
    while (!closing && live < target) {
      spawn(backoffMillis());
      live++;
    }
    livePublished.lazySet(live);
  }

  /** Live children as last published by the loop. */
  public int liveChildren() {
    return livePublished.get();
  }

  /** Why the pool cannot run jobs, or null while it can; safe from any thread. */
  public String unhealthyNow() {
    return unhealthyPublished;
  }

  private long backoffMillis() {
    if (failedStartsInRow == 0) {
      return 0;
    }
    long delay = FIRST_BACKOFF_MILLIS << Math.min(failedStartsInRow - 1, 20);
    return Math.min(delay, MAX_BACKOFF_MILLIS);
  }

  private ChildSlot spawn(long delayMillis) {
    byte[] token = new byte[32];
    random.nextBytes(token);
    ChildSlot child = new ChildSlot(nextId++, token, System.nanoTime());
    slots.put(child.id(), child);
    if (delayMillis == 0) {
      launch(child);
    } else {
      log.info("{}: starting child {} in {} ms (failed starts in a row: {})", poolName, child.id(), delayMillis, failedStartsInRow);
      loop.schedule(() -> launch(child), delayMillis, TimeUnit.MILLISECONDS);
    }
    return child;
  }

  private void launch(ChildSlot child) {
    if (child.state() != ChildSlot.State.STARTING) {
      return; // stopped while waiting for its back-off
    }
    child.launched(true);
    child.startDeadline(
        loop.schedule(() -> onStartTimeout(child), startTimeout.toMillis(), TimeUnit.MILLISECONDS));
    launcher.launch(
        child.id(),
        child.token(),
        process -> onLoop(() -> onStarted(child, process)),
        error -> onLoop(() -> onLaunchFailed(child, error)),
        (process, status) -> onLoop(() -> onExit(child, status)));
  }

  private void onStarted(ChildSlot child, Process process) {
    child.process(process);
    if (child.pid() > 0 && child.pid() != process.pid()) {
      kill(child, "said hello with pid " + child.pid() + " but its process is " + process.pid());
      return;
    }
    child.pid(process.pid());
    if (child.state() == ChildSlot.State.STOPPING || child.state() == ChildSlot.State.DEAD) {
      process.destroyForcibly(); // stopped while the process was being forked
    }
  }

  private void onLaunchFailed(ChildSlot child, IOException error) {
    log.error("{}: could not start {}: {}", poolName, child, error.toString());
    child.state(ChildSlot.State.DEAD);
    cancelStartDeadline(child);
    slots.remove(child.id());
    metrics.childDied("start_failed");
    onStartFailed("could not start java: " + error.getMessage());
    afterExit();
  }

  private void onStartTimeout(ChildSlot child) {
    if (child.state() == ChildSlot.State.STARTING) {
      log.error("{}: {} did not become ready within {} ms; killing it", poolName, child, startTimeout.toMillis());
      kill(child, START_FAULT + "not ready within " + startTimeout.toMillis() + " ms");
    }
  }

  /**
   * The first frame on a new channel. Returns the admitted child, or null when the connection
   * must be closed: unknown or already connected child id, wrong token, wrong protocol version.
   */
  public ChildSlot onHello(Channel channel, Hello hello) {
    checkInLoop();
    ChildSlot child = slots.get(hello.getChildId());
    if (child == null || child.state() != ChildSlot.State.STARTING || child.channel() != null) {
      log.warn("{}: dropped a connection claiming child id {}: no child by that id is waiting to connect", poolName, hello.getChildId());
      return null;
    }
    if (!MessageDigest.isEqual(child.token(), hello.getToken().toByteArray())) {
      // The token itself is never logged.
      log.warn("{}: dropped a connection claiming to be {}: wrong token", poolName, child);
      return null;
    }
    if (hello.getProtocolVersion() != ProtocolVersion.CURRENT) {
      String why = START_FAULT + "speaks protocol version " + hello.getProtocolVersion() + ", expected " + ProtocolVersion.CURRENT;
      log.error("{}: {} {}", poolName, child, why);
      kill(child, why);
      return null;
    }
    if (child.process() != null && child.process().pid() != hello.getPid()) {
      kill(child, START_FAULT + "said hello with pid " + hello.getPid() + " but its process is " + child.process().pid());
      return null;
    }
    child.pid(hello.getPid());
    child.channel(channel);
    child.state(ChildSlot.State.IDLE);
    child.wasReady(true);
    cancelStartDeadline(child);
    failedStartsInRow = 0;
    unhealthyPublished = null;
    metrics.knownTypes(hello.getJobTypesList());
    metrics.childStarted();
    log.info("{}: {} ready in {} ms, serving {}", poolName, child,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - child.spawnedNanos()), hello.getJobTypesList());
    // Free first, then report started: start() returns on allStarted, and a submit right after
    // must already see this child as idle (queueCapacity 0 counts on it).
    dispatcher.onChildFree(child);
    if (!allStarted.isDone() && readyCount() >= target) {
      allStarted.complete(null);
    }
    if (child == rollingExtra) {
      rollingExtra = null;
      ChildSlot old = toReplace.pollFirst();
      if (old != null) {
        retireGracefully(old, "replaced by " + child + " (rolling restart)");
      }
      rollStep();
    }
    checkSettled();
    return child;
  }

  /** The child's channel closed. Normally it is dying; if it lingers, it is killed. */
  public void onChannelClosed(ChildSlot child) {
    checkInLoop();
    if (!child.isLive()) {
      return;
    }
    dispatcher.detach(child);
    child.state(ChildSlot.State.STOPPING);
    loop.schedule(
        () -> {
          Process process = child.process();
          if (child.state() != ChildSlot.State.DEAD && process != null && process.isAlive()) {
            log.warn("{}: {} closed its channel but kept running; killing it", poolName, child);
            child.stopReason("closed its channel");
            process.destroyForcibly();
          }
        },
        CHANNEL_CLOSED_GRACE_MILLIS,
        TimeUnit.MILLISECONDS);
    replenish();
  }

  private void onExit(ChildSlot child, int status) {
    cancelStartDeadline(child);
    ChildSlot.State before = child.state();
    child.state(ChildSlot.State.DEAD);
    slots.remove(child.id());
    Channel channel = child.channel();
    if (channel != null) {
      channel.close();
    }
    String how =
        child.stopReason() != null
            ? "was stopped (" + child.stopReason() + ")"
            : "exited with status " + status + " (" + ExitCodes.describe(status) + ")";
    dispatcher.onChildLost(child, how);
    if (child == rollingExtra) {
      rollingExtra = null;
      rollStep(); // the replacement failed to start: try again, with back-off
    }
    metrics.childDied(!child.wasReady() ? "start_failed" : child.stopReason() == null ? "crashed" : "stopped");
    if (before == ChildSlot.State.STOPPING && child.stopReason() != null) {
      log.info("{}: {} {}", poolName, child, how);
    } else if (!closing) {
      log.warn("{}: {} {}", poolName, child, how);
    }
    // A child killed by a signal we did not send (an operator, the OOM killer) says nothing about
    // whether children can start, so it does not count towards the crash-loop limit.
    // Nor does a start the pool itself cut short (resize, rolling restart), unless for a start-up
    // fault: no hello in time, a wrong protocol version or pid.
    boolean startFault =
        child.stopReason() == null ? status <= 128 : child.stopReason().startsWith(START_FAULT);
    if (!child.wasReady() && !closing && startFault) {
      onStartFailed(child + " " + how + " before it was ready");
    }
    afterExit();
  }

  private void afterExit() {
    replenish();
    if (closing && slots.isEmpty()) {
      allExited.complete(null);
    }
    checkRolled();
    checkSettled();
  }

  private void onStartFailed(String why) {
    failedStartsInRow++;
    lastStartFailure = why;
    if (failedStartsInRow < spawnFailureLimit) {
      return;
    }
    String reason = unhealthyReason();
    if (!allStarted.isDone()) {
      allStarted.completeExceptionally(new PoolException(FailureCode.SPAWN_FAILED, -1, reason));
    }
    if (readyCount() == 0) {
      unhealthyPublished = reason;
      log.error("{}", reason);
      dispatcher.failQueued(FailureCode.SPAWN_FAILED, reason);
    }
  }

  @Override
  public void kill(ChildSlot child, String reason) {
    checkInLoop();
    if (child.state() == ChildSlot.State.DEAD) {
      return;
    }
    if (child.stopReason() == null) {
      child.stopReason(reason);
    }
    dispatcher.detach(child);
    child.state(ChildSlot.State.STOPPING);
    if (!child.launched()) {
      child.state(ChildSlot.State.DEAD); // never forked: nothing to wait for
      slots.remove(child.id());
      afterExit();
      return;
    }
    Process process = child.process();
    if (process != null) {
      process.destroyForcibly();
    } // else: onStarted() will destroy it as soon as the fork returns
    if (child.channel() != null) {
      child.channel().close();
    }
    replenish();
  }

  @Override
  public void retire(ChildSlot child) {
    retire(child, child.retireWhenIdle() ? "retired after its job" : "recycled after " + child.jobsDone() + " jobs");
  }

  private void retire(ChildSlot child, String reason) {
    checkInLoop();
    if (child.stopReason() == null) {
      child.stopReason(reason);
    }
    dispatcher.detach(child);
    child.state(ChildSlot.State.STOPPING);
    child.channel()
        .writeAndFlush(ToChild.newBuilder().setShutdown(Shutdown.getDefaultInstance()).build())
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() && child.process() != null) {
                    child.process().destroyForcibly();
                  }
                });
    replenish();
  }

  @Override
  public boolean dueForRecycling(ChildSlot child) {
    return child.retireWhenIdle() || (maxJobsPerChild > 0 && child.jobsDone() >= maxJobsPerChild);
  }

  /**
   * Replaces every current child, one at a time: a replacement is started first, and only once it
   * is ready does an old child leave, when idle (a busy one finishes its job first). Capacity never
   * drops below the target and no job is interrupted. Completes when every old child has exited.
   * A restart asked for while one runs joins it.
   */
  public CompletableFuture<Void> restartAll() {
    checkInLoop();
    if (rolled != null && !rolled.isDone()) {
      return rolled;
    }
    rolled = new CompletableFuture<>();
    for (ChildSlot child : slots.values()) {
      if (child.isLive()) {
        replacedIds.add(child.id());
        if (!child.replacing()) {
          child.replacing(true);
          toReplace.addLast(child);
        }
      }
    }
    log.info("{}: rolling restart of {} children", poolName, toReplace.size());
    rollStep();
    checkRolled();
    return rolled;
  }

  private void rollStep() {
    while (!toReplace.isEmpty() && !toReplace.peekFirst().isLive()) {
      toReplace.pollFirst(); // died or left meanwhile: replenish() has replaced it already
    }
    if (toReplace.isEmpty() || rollingExtra != null || closing) {
      return;
    }
    rollingExtra = spawn(backoffMillis()); // one above the target until an old child leaves
  }

  private void checkRolled() {
    if (rolled == null || rolled.isDone() || !toReplace.isEmpty() || rollingExtra != null) {
      return;
    }
    for (int id : replacedIds) {
      if (slots.containsKey(id)) {
        return;
      }
    }
    replacedIds.clear();
    log.info("{}: rolling restart done", poolName);
    rolled.complete(null);
  }

  @Override
  public void observed(ChildSlot child, long heapBytes, long rssBytes) {
    child.memory(heapBytes, rssBytes);
    if (child.replacing() || closing) {
      return;
    }
    String over = null;
    if (recycleAboveHeapBytes > 0 && heapBytes > recycleAboveHeapBytes * child.limitFactor()) {
      over = "heap " + heapBytes + " B over its limit of " + (long) (recycleAboveHeapBytes * child.limitFactor()) + " B";
    } else if (recycleAboveRssBytes > 0 && rssBytes > recycleAboveRssBytes * child.limitFactor()) {
      over = "resident memory " + rssBytes + " B over its limit of " + (long) (recycleAboveRssBytes * child.limitFactor()) + " B";
    }
    if (over != null) {
      log.info("{}: {} has {}; replacing it", poolName, child, over);
      child.replacing(true);
      toReplace.addLast(child);
      rollStep(); // the replacement starts first; the old child keeps working until it is ready
    }
  }

  private void retireGracefully(ChildSlot old, String reason) {
    switch (old.state()) {
      case IDLE -> retire(old, reason);
      case BUSY -> {
        old.stopReason(reason);
        old.retireWhenIdle(true);
      }
      case STARTING -> kill(old, reason);
      default -> { } // already leaving
    }
  }

  /**
   * Sets how many children the pool keeps. Growing starts children at once; shrinking retires
   * idle children first, then busy ones after their current job, never interrupting a job.
   * Completes when exactly that many children are ready and none is leaving.
   */
  public CompletableFuture<Void> resize(int children) {
    checkInLoop();
    if (children < 1) {
      throw new IllegalArgumentException("children must be >= 1: " + children);
    }
    log.info("{}: resizing from {} to {} children", poolName, target, children);
    target = children;
    // A static pool stays static at its new size; a dynamic one keeps its ceiling (or rises to n).
    maxChildren = maxChildren > minChildren ? Math.max(maxChildren, children) : children;
    minChildren = children;
    int excess = liveCount() - target;
    for (ChildSlot.State state : List.of(ChildSlot.State.STARTING, ChildSlot.State.IDLE, ChildSlot.State.BUSY)) {
      for (ChildSlot child : new ArrayList<>(slots.values())) {
        if (excess > 0 && child.state() == state && !child.retireWhenIdle()) {
          retireGracefully(child, "pool shrunk to " + target);
          excess--;
        }
      }
    }
    replenish();
    if (settled == null || settled.isDone()) {
      settled = new CompletableFuture<>();
    }
    CompletableFuture<Void> result = settled;
    checkSettled();
    return result;
  }

  private void checkSettled() {
    if (settled == null || settled.isDone() || readyCount() != target) {
      return;
    }
    for (ChildSlot child : slots.values()) {
      if (child.state() == ChildSlot.State.STOPPING || child.state() == ChildSlot.State.STARTING || child.retireWhenIdle()) {
        return; // still leaving (or arriving): not settled yet
      }
    }
    settled.complete(null);
  }

  /** Children that can run a job now or after their current one: for broadcasts. */
  public List<ChildSlot> readyChildren() {
    checkInLoop();
    List<ChildSlot> ready = new ArrayList<>();
    for (ChildSlot child : slots.values()) {
      if ((child.state() == ChildSlot.State.IDLE || child.state() == ChildSlot.State.BUSY) && !child.retireWhenIdle()) {
        ready.add(child);
      }
    }
    return ready;
  }

  @Override
  public boolean unhealthy() {
    return failedStartsInRow >= spawnFailureLimit && readyCount() == 0;
  }

  @Override
  public String unhealthyReason() {
    return poolName
        + ": children keep failing to start ("
        + failedStartsInRow
        + " failed starts in a row; last: "
        + lastStartFailure
        + "); see the child output in the log";
  }

  @Override
  public int liveCount() {
    int live = 0;
    for (ChildSlot child : slots.values()) {
      if (child.isLive() && !child.retireWhenIdle()) {
        live++;
      }
    }
    return live;
  }

  private int readyCount() {
    int ready = 0;
    for (ChildSlot child : slots.values()) {
      if ((child.state() == ChildSlot.State.IDLE || child.state() == ChildSlot.State.BUSY) && !child.retireWhenIdle()) {
        ready++;
      }
    }
    return ready;
  }

  @Override
  public Collection<ChildSlot> all() {
    return slots.values();
  }

  /**
   * Stops every child: idle ones get a {@code Shutdown} and exit on their own, the rest are
   * killed. Call after the dispatcher has given up its jobs. The future completes when every
   * child process has exited.
   */
  public CompletableFuture<Void> stopAll() {
    checkInLoop();
    closing = true;
    PoolException closed = new PoolException(FailureCode.POOL_CLOSED, -1, poolName + " closed before the operation finished");
    if (rolled != null) {
      rolled.completeExceptionally(closed); // no-op if it finished
    }
    if (settled != null) {
      settled.completeExceptionally(closed);
    }
    dispatcher.takeIdle();
    for (ChildSlot child : new ArrayList<>(slots.values())) {
      if (child.state() == ChildSlot.State.IDLE) {
        retire(child);
        child.stopReason("pool closed");
      } else if (child.state() != ChildSlot.State.STOPPING) {
        kill(child, "pool closed");
      }
    }
    if (slots.isEmpty()) {
      allExited.complete(null);
    }
    return allExited;
  }

  /** A snapshot of every child for status pages; call on the loop. */
  public List<dev.procpool.PoolStatus.Child> snapshot() {
    checkInLoop();
    long now = System.nanoTime();
    List<dev.procpool.PoolStatus.Child> children = new ArrayList<>();
    for (ChildSlot child : slots.values()) {
      children.add(child.snapshot(now));
    }
    return List.copyOf(children);
  }

  /** Last resort at close: SIGKILL whatever has not exited yet. */
  public void killAll() {
    checkInLoop();
    for (ChildSlot child : List.copyOf(slots.values())) {
      Process process = child.process();
      if (process != null) {
        process.destroyForcibly();
      }
    }
  }

  private void cancelStartDeadline(ChildSlot child) {
    if (child.startDeadline() != null) {
      child.startDeadline().cancel(false);
      child.startDeadline(null);
    }
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("{}: event loop gone; dropped a child event", poolName);
    }
  }

  private void checkInLoop() {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("ChildRoster used outside its event loop");
    }
  }
}
