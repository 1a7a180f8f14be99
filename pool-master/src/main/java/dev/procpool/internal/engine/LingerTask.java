package dev.procpool.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child said it would exit (or closed its channel) a while ago: if its process is still there, it
 * is killed. Runs on the loop, once.
 */
final class LingerTask implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Roster.class);

  private final String poolName;
  private final ChildSlot child;
  private final String what;

  LingerTask(String poolName, ChildSlot child, String what) {
    this.poolName = poolName;
    this.child = child;
    this.what = what;
  }

  @Override
  public void run() {
    child.timers().linger(null);
    if (child.state() != ChildSlot.State.DEAD
        && child.process() != null
        && child.process().isAlive()) {
      log.warn("{}: {} {} but kept running; killing it", poolName, child, what);
      child.stopReasonIfUnset(StopReason.of(what + " but kept running"));
      child.process().kill();
    }
  }
}
