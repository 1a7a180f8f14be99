package dev.procpool.bench.load;

import java.util.Arrays;

/** A growable array of latencies for one thread, capped so a long run cannot exhaust memory. */
final class LatencyLog {
  private static final int CAP = 2_000_000;
  private long[] values = new long[1 << 16];
  private int size;

  void add(long nanos) {
    if (size == values.length) {
      if (size >= CAP) {
        return;
      }
      values = Arrays.copyOf(values, Math.min(CAP, size * 2));
    }
    values[size++] = nanos;
  }

  long[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
