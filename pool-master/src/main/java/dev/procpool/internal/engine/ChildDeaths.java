package dev.procpool.internal.engine;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a child's death means: its report (kept for the status page), its metric and log line, and
 * whether it counts as a failed start. Confined to the loop.
 */
final class ChildDeaths {
  private static final Logger log = LoggerFactory.getLogger(Roster.class);

  private final String poolName;
  private final PoolMetrics metrics;
  private final long memoryLimitBytes;
  private final DeathLog recent = new DeathLog();

  ChildDeaths(String poolName, PoolMetrics metrics, long memoryLimitBytes) {
    this.poolName = poolName;
    this.metrics = metrics;
    this.memoryLimitBytes = memoryLimitBytes;
  }

  /** The child exited from state {@code before}: its report, counted and logged. */
  ChildDeath record(
      ChildSlot child,
      ChildSlot.State before,
      int status,
      List<String> lastLines,
      boolean closing) {
    ChildDeath death =
        CrashReport.of(
            child,
            status,
            lastLines,
            child.usage().rssBytes,
            memoryLimitBytes,
            System.currentTimeMillis());
    recent.add(death);
    metrics.childDied(
        !wasReady(before) ? "start_failed" : child.stopReason() == null ? "crashed" : "stopped");
    if ((before == ChildSlot.State.STOPPING || before == ChildSlot.State.ABORTING)
        && child.stopReason() != null) {
      log.info("{}: {} {}", poolName, child, death.cause());
    } else if (!closing) {
      log.warn("{}: {} {}", poolName, child, death.report());
    }
    return death;
  }

  /**
   * Whether the death is a failed start. A child killed by a signal we did not send (an operator,
   * the OOM killer) says nothing about whether children can start, and neither does a start the
   * pool itself cut short (resize, rolling restart), unless for a start-up fault: no hello in time,
   * wrong version or pid.
   */
  static boolean failedStart(ChildSlot child, ChildSlot.State before, int status) {
    boolean startFault =
        child.stopReason() == null ? status <= 128 : child.stopReason().startFault();
    return !wasReady(before) && startFault;
  }

  /** A child that exits from these had said its hello. */
  private static boolean wasReady(ChildSlot.State before) {
    return before == ChildSlot.State.IDLE
        || before == ChildSlot.State.BUSY
        || before == ChildSlot.State.STOPPING;
  }

  List<ChildDeath> recent() {
    return recent.recent();
  }
}
