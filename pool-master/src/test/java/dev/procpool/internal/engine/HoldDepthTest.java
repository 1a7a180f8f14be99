package dev.procpool.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HoldDepthTest {
  private static HoldDepth after(long runNanos, int jobs, int maxDepth) {
    HoldDepth depth = new HoldDepth(maxDepth);
    for (int i = 0; i < jobs; i++) {
      depth.onRun(runNanos);
    }
    return depth;
  }

  @Test
  void beforeAWindowOfRuns_todaysPipelining() {
    assertEquals(2, after(1_000, HoldDepth.WINDOW - 1, 16).depth());
    assertEquals(1, new HoldDepth(1).depth());
  }

  @Test
  void noOpJobs_maxDepth() {
    assertEquals(16, after(3_000, HoldDepth.WINDOW, 16).depth());
  }

  @Test
  void depthTimesMedian_withinTheBudget() {
    assertEquals(10, after(100_000, HoldDepth.WINDOW, 16).depth());
    assertEquals(2, after(500_000, HoldDepth.WINDOW, 16).depth());
  }

  @Test
  void longJobs_oneRunningOneHeld() {
    assertEquals(2, after(1_100_000, HoldDepth.WINDOW, 16).depth());
    assertEquals(2, after(10_000_000, HoldDepth.WINDOW, 16).depth());
    assertEquals(1, after(10_000_000, HoldDepth.WINDOW, 1).depth());
  }

  @Test
  void onRun_saysWhenTheDepthChanges() {
    HoldDepth depth = new HoldDepth(16);
    for (int i = 1; i < HoldDepth.WINDOW; i++) {
      assertEquals(false, depth.onRun(1_000));
    }
    assertEquals(true, depth.onRun(1_000));
    for (int i = 1; i < HoldDepth.WINDOW; i++) {
      depth.onRun(1_000);
    }
    assertEquals(false, depth.onRun(1_000)); // 16 again: no change
  }

  @Test
  void medianNotMean_oneLongJobDoesNotCollapseTheDepth() {
    HoldDepth depth = new HoldDepth(16);
    depth.onRun(50_000_000);
    for (int i = 1; i < HoldDepth.WINDOW; i++) {
      depth.onRun(2_000);
    }
    assertEquals(16, depth.depth());
  }

  @Test
  void followsTheWorkload_windowByWindow() {
    HoldDepth depth = after(2_000, HoldDepth.WINDOW, 16);
    for (int i = 0; i < HoldDepth.WINDOW; i++) {
      depth.onRun(1_000_000);
    }
    assertEquals(2, depth.depth());
  }

  @Test
  void cappedByMaxDepth() {
    assertEquals(4, after(1_000, HoldDepth.WINDOW, 4).depth());
  }

  @Test
  void maxDepthOutOfRange_rejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new HoldDepth(17));
    assertEquals("maxDepth must be in 1..16: 17", e.getMessage());
  }
}
