package dev.procpool.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's history: one sample a second of the queue, the children and the job rate, the
 * last {@link #CAPACITY} (30 minutes) kept in a ring, so a page opened now draws the last half hour
 * at once. Fixed size: the memory is the same after a minute or a month.
 *
 * <p>Recorded by the sampler's thread, read by event streams on other threads: synchronized, which
 * costs nothing at one write a second.
 */
final class DashboardHistory {
  static final int CAPACITY = 1800;

  private final long[] epochMillis = new long[CAPACITY];
  private final int[] queued = new int[CAPACITY];
  private final int[] busy = new int[CAPACITY];
  private final int[] live = new int[CAPACITY];
  private final double[] jobsPerSecond = new double[CAPACITY];
  private final double[] failuresPerSecond = new double[CAPACITY];
  private int next;
  private int size;

  synchronized void record(
      long atEpochMillis, int queued, int busy, int live, double jobsPerSecond, double failures) {
    this.epochMillis[next] = atEpochMillis;
    this.queued[next] = queued;
    this.busy[next] = busy;
    this.live[next] = live;
    this.jobsPerSecond[next] = jobsPerSecond;
    this.failuresPerSecond[next] = failures;
    next = (next + 1) % CAPACITY;
    size = Math.min(size + 1, CAPACITY);
  }

  synchronized int size() {
    return size;
  }

  /** Oldest first, as columns: {@code t} (epoch ms), {@code queued}, {@code busy}, ... */
  synchronized Map<String, Object> columns() {
    List<Long> t = new ArrayList<>(size);
    List<Integer> q = new ArrayList<>(size);
    List<Integer> b = new ArrayList<>(size);
    List<Integer> l = new ArrayList<>(size);
    List<Double> r = new ArrayList<>(size);
    List<Double> f = new ArrayList<>(size);
    int first = (next - size + CAPACITY) % CAPACITY;
    for (int i = 0; i < size; i++) {
      int at = (first + i) % CAPACITY;
      t.add(epochMillis[at]);
      q.add(queued[at]);
      b.add(busy[at]);
      l.add(live[at]);
      r.add(jobsPerSecond[at]);
      f.add(failuresPerSecond[at]);
    }
    return Json.object(
        "t", t, "queued", q, "busy", b, "live", l, "jobsPerSecond", r, "failuresPerSecond", f);
  }
}
