package dev.procpool;

import dev.procpool.internal.engine.ChildDeath;
import dev.procpool.internal.engine.ChildSnapshot;
import dev.procpool.internal.engine.EngineStatus;
import dev.procpool.internal.metrics.CountingMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns the engine's view of itself into the public {@link PoolStatus}. */
final class StatusView {
  private StatusView() {}

  static PoolStatus of(
      String name,
      String problem,
      EngineStatus s,
      Duration uptime,
      CountingMetrics metrics,
      java.util.Map<String, String> sandbox) {
    List<PoolStatus.Child> children = new ArrayList<>();
    for (ChildSnapshot c : s.children()) {
      children.add(
          new PoolStatus.Child(
              c.id(),
              c.pid(),
              PoolStatus.ChildState.valueOf(c.state().name()),
              c.jobsDone(),
              c.jobType(),
              c.jobMillis(),
              c.uptimeMillis(),
              c.heapBytes(),
              c.rssBytes(),
              c.cpuMillis(),
              c.allocatedBytes()));
    }
    List<PoolStatus.ChildDeath> deaths = new ArrayList<>();
    for (ChildDeath d : s.deaths()) {
      deaths.add(
          new PoolStatus.ChildDeath(
              d.childId(),
              d.pid(),
              Instant.ofEpochMilli(d.atEpochMillis()),
              d.exitStatus(),
              d.signal(),
              d.cause(),
              d.lastLines()));
    }
    long[] run = metrics.runPercentilesMicros();
    long[] split = metrics.timeSplitNanos();
    return new PoolStatus(
        name,
        problem,
        s.queued(),
        s.busy(),
        s.idle(),
        s.depth(),
        uptime,
        List.copyOf(children),
        metrics.completed(),
        metrics.failed(),
        run[0],
        run[1],
        new PoolStatus.TimeSplit(
            split[0] / 1_000_000, split[1] / 1_000_000, split[2] / 1_000_000, split[3] / 1_000_000),
        List.copyOf(deaths),
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sandbox)));
  }
}
