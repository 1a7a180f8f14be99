package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardHistoryTest {

  @Test
  void columns_oldestFirst() {
    DashboardHistory history = new DashboardHistory();
    history.record(1000, 3, 1, 2, 10.0, 0.0);
    history.record(2000, 4, 2, 2, 20.5, 1.0);
    Map<String, Object> columns = history.columns();
    assertEquals(List.of(1000L, 2000L), columns.get("t"));
    assertEquals(List.of(3, 4), columns.get("queued"));
    assertEquals(List.of(1, 2), columns.get("busy"));
    assertEquals(List.of(2, 2), columns.get("live"));
    assertEquals(List.of(10.0, 20.5), columns.get("jobsPerSecond"));
    assertEquals(List.of(0.0, 1.0), columns.get("failuresPerSecond"));
  }

  @Test
  void record_pastCapacity_keepsTheNewestCapacitySamples() {
    DashboardHistory history = new DashboardHistory();
    int samples = DashboardHistory.CAPACITY + 250;
    for (int i = 0; i < samples; i++) {
      history.record(i, i, 0, 0, 0, 0);
    }
    assertEquals(DashboardHistory.CAPACITY, history.size());
    @SuppressWarnings("unchecked")
    List<Long> t = (List<Long>) history.columns().get("t");
    assertEquals(DashboardHistory.CAPACITY, t.size());
    assertEquals(250L, t.get(0), "the oldest kept");
    assertEquals(samples - 1L, t.get(t.size() - 1), "the newest last");
  }

  @Test
  void capacity_holdsAtLeastFifteenMinutesOfOneSecondSamples() {
    assertEquals(true, DashboardHistory.CAPACITY * DashboardFeed.SAMPLE_MILLIS >= 15 * 60_000);
  }
}
