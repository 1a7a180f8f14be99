package dev.procpool.internal.engine;

import java.util.concurrent.Executor;

/** What every job of one pool shares: where completions go, the clock, metrics, failures. */
public record JobContext(
    Loop loop,
    Executor completions,
    PoolMetrics metrics,
    Failure.Factory failures,
    String poolName,
    Admission admission,
    JobLedger ledger,
    Defects defects) {

  /** For a job outside any pool's engine (unit tests): no queue bound, defects thrown. */
  JobContext(
      Loop loop,
      Executor completions,
      PoolMetrics metrics,
      Failure.Factory failures,
      String poolName) {
    this(
        loop,
        completions,
        metrics,
        failures,
        poolName,
        new Admission(Integer.MAX_VALUE),
        new JobLedger(),
        what -> {
          throw new AssertionError(what);
        });
  }
}
