package dev.procpool.internal.engine;

import dev.procpool.protocol.Hello;
import dev.procpool.protocol.Shutdown;
import dev.procpool.protocol.ToChild;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's children: admits them on a valid hello, notices their death, kills and retires them,
 * and keeps {@link Sizing#target()} of them live. What happens to children it reports to its {@link
 * ChildEvents}; it knows nothing of jobs beyond a child's current one. Starting a child is {@link
 * ChildStarter}'s job, deciding the size and what to replace is {@link Capacity}'s.
 *
 * <p>Confined to the engine's loop.
 */
final class Roster implements ChildStarter.Outcomes {
  private static final Logger log = LoggerFactory.getLogger(Roster.class);

  /** How long a child may keep running after closing its channel before it is killed. */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A dead child's connections are closed by the kernel: reading them to the end is quick. */
  static final long LAST_WORDS_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String poolName;
  private final Loop loop;
  private final ChildEvents listener;
  private final PoolMetrics metrics;
  private final Failure.Factory failures;
  private final StartHealth health;
  private final ChildStarter starter;
  private final Sizing sizing;
  private final RollingReplacement rolling;
  private final Resizes resizes = new Resizes();
  private final Counts published;
  private final ChildSlots slots = new ChildSlots();
  private final ChildDeaths deaths;
  private final CompletableFuture<Void> allExited = new CompletableFuture<>();
  private boolean closing;

  Roster(
      EngineSettings settings,
      Loop loop,
      ChildFactory factory,
      ChildEvents listener,
      PoolMetrics metrics,
      Failure.Factory failures,
      Random random,
      Counts published,
      Defects defects) {
    this.poolName = settings.poolName();
    this.loop = loop;
    this.listener = listener;
    this.metrics = metrics;
    this.failures = failures;
    this.published = published;
    this.deaths = new ChildDeaths(poolName, metrics, settings.memoryLimitBytes());
    this.health = new StartHealth(poolName, settings.spawnFailureLimit(), random, failures);
    this.starter =
        new ChildStarter(
            poolName,
            loop,
            factory,
            random,
            health.backoff(),
            settings.startTimeoutNanos(),
            this,
            defects);
    this.sizing =
        new Sizing(settings.children(), settings.maxChildren(), settings.childIdleTimeoutNanos());
    this.rolling = new RollingReplacement(poolName, this::startOne);
  }

  /** Spawns the initial children; completes when all are ready, or fails with why not. */
  CompletableFuture<Void> startAll() {
    replenish();
    return health.started();
  }

  /** Live children counted towards the target: a replacement still starting is one above it. */
  int liveCount() {
    return slots.live() - (rolling.startingExtra() ? 1 : 0);
  }

  void replenish() {
    int live = liveCount();
    while (!closing && live < sizing.target()) {
      startOne();
      live++;
    }
    published.publishLive(live);
  }

  private ChildSlot startOne() {
    ChildSlot child = starter.start();
    slots.add(child);
    return child;
  }

  // ---- what becomes of a started child ----

  @Override
  public void onStarted(ChildSlot child, ChildFactory.Process process) {
    child.process(process);
    // A hello that came first left its own pid (the one inside its namespace, if sandboxed).
    if (child.pid() > 0 && child.pid() != process.pidInside()) {
      kill(
          child,
          StopReason.startFault(
              "said hello with pid " + child.pid() + " but its process is " + process.pidInside()));
      return;
    }
    child.pid(process.pid());
    if (!child.isLive()) {
      process.kill(); // stopped while the process was being forked
    }
  }

  @Override
  public void onLaunchFailed(ChildSlot child, String why) {
    log.error("{}: could not start {}: {}", poolName, child, why);
    child.to(ChildSlot.State.DEAD);
    child.timers().cancelAll();
    slots.remove(child);
    metrics.childDied("start_failed");
    rolling.onLost(child, closing);
    startFailed("could not start java: " + why);
    afterExit();
  }

  @Override
  public void onStartTimeout(ChildSlot child) {
    if (child.state() == ChildSlot.State.STARTING) {
      StopReason why =
          StopReason.startFault("not ready within " + starter.startTimeoutMillis() + " ms");
      log.error("{}: {} {}; killing it", poolName, child, why);
      kill(child, why);
    }
  }

  /** The first frame on a new connection: the admitted child, or null to close the connection. */
  ChildSlot onHello(ChildLink link, Hello hello) {
    ChildSlot child = slots.get(hello.getChildId());
    HelloCheck.Verdict verdict = HelloCheck.check(child, hello);
    if (verdict.kind() == HelloCheck.Verdict.Kind.DROP) {
      log.warn("{}: dropped a connection: {}", poolName, verdict.reason());
      return null;
    }
    if (verdict.kind() == HelloCheck.Verdict.Kind.KILL) {
      log.error("{}: {} {}", poolName, child, verdict.reason());
      kill(child, StopReason.startFault(verdict.reason()));
      return null;
    }
    // The host's pid when the process is known (the hello's may be a namespace's).
    child.pid(child.process() != null ? child.process().pid() : hello.getPid());
    child.link(link);
    child.to(ChildSlot.State.IDLE);
    child.timers().cancelStartDeadline();
    metrics.knownTypes(hello.getJobTypesList());
    metrics.childStarted();
    log.info(
        "{}: {} ready in {} ms, serving {}",
        poolName,
        child,
        TimeUnit.NANOSECONDS.toMillis(loop.nanoTime() - child.spawnedNanos()),
        hello.getJobTypesList());
    // Ready first, then report started: start() returns on health.started(), and a submit right
    // after
    // must already see this child as idle (queueCapacity 0 counts on it).
    listener.onChildReady(child);
    health.onReady(slots.ready(), sizing.target());
    ChildSlot old = rolling.onReady(child, closing);
    if (old == child) {
      retireGracefully(child, "a replacement no longer needed");
    } else if (old != null) {
      retireGracefully(old, "replaced by " + child + " (rolling replacement)");
    }
    resizes.check(slots::settledAt);
    return child;
  }

  /** A child's control connection: the child, or null to close the connection. */
  ChildSlot onControlHello(ChildLink link, Hello hello) {
    ChildSlot child = slots.get(hello.getChildId());
    HelloCheck.Verdict verdict = HelloCheck.checkControl(child, hello);
    if (verdict.kind() != HelloCheck.Verdict.Kind.ACCEPT) {
      if (closing || (child != null && !child.isLive())) {
        // The child's watchdog connects just after its hello: a pool closed (or a child stopped)
        // in between sees it arrive late. Expected, so not a warning.
        log.debug("{}: dropped a late control connection: {}", poolName, verdict.reason());
      } else {
        log.warn("{}: dropped a connection: {}", poolName, verdict.reason());
      }
      return null;
    }
    child.controlLink(link);
    return child;
  }

  private void startFailed(String why) {
    String unhealthy = health.onFailure(why, slots.ready());
    if (unhealthy != null) {
      log.error("{}", unhealthy);
      listener.onUnhealthy(unhealthy);
    }
  }

  /** The child's connection closed. Normally it is dying; if it lingers, it is killed. */
  void onChannelClosed(ChildSlot child) {
    child.linkClosed();
    if (child.isLive()) {
      leaveAndLinger(child, "closed its channel");
    }
    onLinkClosed(child);
  }

  /** One of the child's connections was read to its end: a loss that waited for it goes on. */
  void onLinkClosed(ChildSlot child) {
    HeardExit exit = child.heardExit();
    if (exit != null && !child.linksOpen()) {
      exit.deadline().cancel();
      lost(child, exit.status(), exit.lastLines());
    }
  }

  /** The child said it exits after its reply: it takes no more work and is replaced at once. */
  void onExiting(ChildSlot child) {
    if (child.isLive()) {
      leaveAndLinger(child, "said it would exit");
    }
  }

  /**
   * The child is on its way out by itself; if its process is still there in a second, it is killed.
   */
  private void leaveAndLinger(ChildSlot child, String what) {
    leave(child);
    child.timers().linger(loop.schedule(new LingerTask(poolName, child, what), LINGER_NANOS));
    replenish();
  }

  /**
   * The process ended. A child's last replies and skip answers were written before its death, but
   * the loop may learn of the death first; the loss waits until both connections are read to their
   * end (each closes right after, the kernel having closed the dead child's side), at most {@link
   * #LAST_WORDS_NANOS}.
   */
  @Override
  public void onExit(ChildSlot child, int status, List<String> lastLines) {
    if (child.linksOpen() && child.heardExit() == null) {
      child.heardExit(
          new HeardExit(
              status,
              lastLines,
              loop.schedule(() -> lost(child, status, lastLines), LAST_WORDS_NANOS)));
      if (child.isLive()) {
        leave(child); // dead: no job may be sent to it meanwhile
        replenish();
      }
      return;
    }
    lost(child, status, lastLines);
  }

  private void lost(ChildSlot child, int status, List<String> lastLines) {
    if (child.state() == ChildSlot.State.DEAD) {
      return; // the deadline and the last connection's close may both come
    }
    child.timers().cancelAll();
    ChildSlot.State before = child.state();
    child.to(ChildSlot.State.DEAD);
    slots.remove(child);
    child.closeLinks();
    ChildDeath death = deaths.record(child, before, status, lastLines, closing);
    listener.onChildLost(child, death);
    rolling.onLost(child, closing);
    if (!closing && ChildDeaths.failedStart(child, before, status)) {
      startFailed(child + " " + death.cause() + " before it was ready");
    }
    afterExit();
  }

  private void afterExit() {
    replenish();
    if (closing && slots.isEmpty()) {
      allExited.complete(null);
    }
    rolling.checkDone(slots::contains);
    resizes.check(slots::settledAt);
  }

  // ---- stopping ----

  /** Kills the child (SIGKILL) and starts a replacement. */
  void kill(ChildSlot child, String reason) {
    kill(child, StopReason.of(reason));
  }

  private void kill(ChildSlot child, StopReason reason) {
    if (child.state() == ChildSlot.State.DEAD) {
      return;
    }
    child.stopReasonIfUnset(reason);
    boolean forked = child.state() != ChildSlot.State.LAUNCHING;
    leave(child);
    if (!forked) {
      child.to(ChildSlot.State.DEAD); // never forked: nothing to wait for
      child.timers().cancelAll();
      slots.remove(child);
      rolling.onLost(child, closing);
      afterExit();
      return;
    }
    if (child.process() != null) {
      child.process().kill();
    } // else: onStarted() kills it as soon as the fork returns
    // Its connections stay open until it dies: what it wrote before the kill landed is read, and
    // the loss decided on it (onExit).
    replenish();
  }

  /** Asks an idle child to exit after closing its handlers, and starts a replacement. */
  void retire(ChildSlot child, String reason) {
    child.stopReasonIfUnset(StopReason.of(reason));
    leave(child);
    child.link().send(ToChild.newBuilder().setShutdown(Shutdown.getDefaultInstance()).build());
    replenish();
  }

  /** Idle: retire now. Busy: after its job. Starting: kill. Leaving already: nothing. */
  void retireGracefully(ChildSlot child, String reason) {
    switch (child.state()) {
      case IDLE -> retire(child, reason);
      case BUSY -> {
        child.stopReasonIfUnset(StopReason.of(reason));
        child.retireWhenIdle(true);
        replenish();
      }
      case LAUNCHING, STARTING -> kill(child, reason);
      default -> {}
    }
  }

  private void leave(ChildSlot child) {
    listener.onChildLeaving(child);
    child.stopping();
  }

  /** From now on nothing is replaced or started. */
  void closing() {
    closing = true;
  }

  boolean isClosing() {
    return closing;
  }

  /**
   * Stops every child: idle ones exit on a {@code Shutdown}, the rest are killed. Completes when
   * all exited.
   */
  CompletableFuture<Void> stopAll(List<ChildSlot> idle) {
    closing = true;
    RuntimeException closed =
        failures.create(
            Failure.POOL_CLOSED, -1, poolName + " closed before the operation finished");
    rolling.abandon(closed);
    resizes.abandon(closed);
    for (ChildSlot child : idle) {
      if (child.state() == ChildSlot.State.IDLE) {
        retire(child, "pool closed");
      }
    }
    for (ChildSlot child : slots.all()) {
      if (child.isLive()) {
        kill(child, "pool closed");
      }
    }
    if (slots.isEmpty()) {
      allExited.complete(null);
    }
    return allExited;
  }

  /** Last resort at close: SIGKILL whatever has not exited yet. */
  void killAll() {
    for (ChildSlot child : slots.all()) {
      if (child.process() != null) {
        child.process().kill();
      }
    }
  }

  // ---- for Capacity and the engine ----

  Sizing sizing() {
    return sizing;
  }

  RollingReplacement rolling() {
    return rolling;
  }

  Resizes resizes() {
    return resizes;
  }

  ChildSlots slots() {
    return slots;
  }

  List<ChildDeath> recentDeaths() {
    return deaths.recent();
  }

  boolean unhealthy() {
    return health.unhealthy(slots.ready());
  }

  StartHealth health() {
    return health;
  }
}
