package dev.procpool.internal.engine;

import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one child: a fresh one-time token, the back-off delay after failed starts, the launch
 * through the {@link ChildFactory}, and the start deadline. What then happens to the process comes
 * back to the roster through {@link Outcomes}, on the loop. Confined to the loop.
 */
final class ChildStarter {
  private static final Logger log = LoggerFactory.getLogger(ChildStarter.class);

  /** What became of a started child; called on the loop. */
  interface Outcomes {
    void onStarted(ChildSlot child, ChildFactory.Process process);

    void onLaunchFailed(ChildSlot child, String why);

    void onExit(ChildSlot child, int status, java.util.List<String> lastLines);

    /** No valid hello within the start timeout. */
    void onStartTimeout(ChildSlot child);
  }

  private final String poolName;
  private final Loop loop;
  private final ChildFactory factory;
  private final Random random;
  private final StartBackoff backoff;
  private final long startTimeoutNanos;
  private final Outcomes outcomes;
  private final Defects defects;
  private int nextId = 1;

  ChildStarter(
      String poolName,
      Loop loop,
      ChildFactory factory,
      Random random,
      StartBackoff backoff,
      long startTimeoutNanos,
      Outcomes outcomes,
      Defects defects) {
    this.poolName = poolName;
    this.loop = loop;
    this.factory = factory;
    this.random = random;
    this.backoff = backoff;
    this.startTimeoutNanos = startTimeoutNanos;
    this.outcomes = outcomes;
    this.defects = defects;
  }

  long startTimeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(startTimeoutNanos);
  }

  /** A new child, launched now or after the back-off delay; the caller tracks it from now on. */
  ChildSlot start() {
    byte[] token = new byte[32];
    random.nextBytes(token);
    ChildSlot child =
        new ChildSlot(nextId++, token, loop.nanoTime(), 0.9 + 0.1 * random.nextDouble(), defects);
    long delayNanos = backoff.nextDelayNanos();
    if (delayNanos == 0) {
      launch(child);
    } else {
      log.info(
          "{}: starting child {} in {} ms (failed starts in a row: {})",
          poolName,
          child.id(),
          TimeUnit.NANOSECONDS.toMillis(delayNanos),
          backoff.failedInRow());
      child.timers().launch(loop.schedule(() -> launch(child), delayNanos));
    }
    return child;
  }

  private void launch(ChildSlot child) {
    child.timers().launch(null);
    if (child.state() != ChildSlot.State.LAUNCHING) {
      return; // stopped while waiting for its back-off
    }
    child.to(ChildSlot.State.STARTING);
    child
        .timers()
        .startDeadline(
            loop.schedule(
                () -> {
                  child.timers().startDeadline(null);
                  outcomes.onStartTimeout(child);
                },
                startTimeoutNanos));
    factory.launch(
        child.id(),
        child.token(),
        new ChildFactory.Events() {
          @Override
          public void onStarted(ChildFactory.Process process) {
            onLoop(() -> outcomes.onStarted(child, process));
          }

          @Override
          public void onLaunchFailed(String why) {
            onLoop(() -> outcomes.onLaunchFailed(child, why));
          }

          @Override
          public void onExit(int status, java.util.List<String> lastLines) {
            onLoop(() -> outcomes.onExit(child, status, lastLines));
          }
        });
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("{}: loop gone; dropped a child event", poolName);
    }
  }
}
