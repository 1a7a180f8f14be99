package dev.procpool.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procpool.internal.engine.PoolMetrics;
import org.junit.jupiter.api.Test;

class CountingMetricsTest {

  /**
   * An int counter wrapped after 2^31 jobs, the ring index went negative and every later success
   * threw.
   */
  @Test
  void jobSucceeded_pastTwoToTheThirtyOneJobs_keepsCounting() {
    CountingMetrics metrics = new CountingMetrics(PoolMetrics.NOOP, Integer.MAX_VALUE - 5L);
    for (int i = 0; i < 20; i++) {
      metrics.jobSucceeded("echo", 7_000);
    }
    assertEquals(Integer.MAX_VALUE - 5L + 20, metrics.completed());
    assertEquals(7, metrics.runPercentilesMicros()[1], "the newest run times are in the ring");
  }
}
