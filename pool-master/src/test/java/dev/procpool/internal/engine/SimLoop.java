package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * A {@link Loop} for the simulation: the test's own thread, virtual time, and a queue of timers
 * that run only when the test advances the clock. Deterministic: timers due at the same time run in
 * the order they were scheduled.
 */
final class SimLoop implements Loop {
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private final PriorityQueue<SimTimer> timers = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long sequence;

  private final class SimTimer implements Timer, Comparable<SimTimer> {
    final long due;
    final long seq = sequence++;
    final Runnable task;
    boolean cancelled;

    SimTimer(long due, Runnable task) {
      this.due = due;
      this.task = task;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(SimTimer other) {
      return due != other.due ? Long.compare(due, other.due) : Long.compare(seq, other.seq);
    }
  }

  @Override
  public boolean inLoop() {
    return true;
  }

  @Override
  public void execute(Runnable task) {
    ready.addLast(task);
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    long due = delayNanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, delayNanos);
    SimTimer timer = new SimTimer(due, task);
    timers.add(timer);
    return timer;
  }

  /** Runs every task handed to {@link #execute}, including those they hand over in turn. */
  void runReady() {
    for (int guard = 0; !ready.isEmpty(); guard++) {
      if (guard > 1_000_000) {
        throw new AssertionError("the loop never goes quiet: a task keeps re-queueing itself");
      }
      ready.pollFirst().run();
    }
  }

  /** Moves the clock forward by {@code nanos}, running every timer that falls due, in order. */
  void advance(long nanos) {
    long until = now + nanos;
    runReady();
    while (!timers.isEmpty() && timers.peek().due <= until) {
      SimTimer timer = timers.poll();
      if (!timer.cancelled) {
        now = Math.max(now, timer.due);
        timer.task.run();
        runReady();
      }
    }
    now = until;
  }

  /** Timers scheduled and neither run nor cancelled. */
  int liveTimers() {
    int live = 0;
    for (SimTimer timer : timers) {
      if (!timer.cancelled && timer.due != Long.MAX_VALUE) {
        live++;
      }
    }
    return live;
  }

  /** Timers that will never fire (a practically infinite delay) but were not cancelled. */
  int foreverTimers() {
    int live = 0;
    for (SimTimer timer : timers) {
      if (!timer.cancelled && timer.due == Long.MAX_VALUE) {
        live++;
      }
    }
    return live;
  }

  boolean hasReady() {
    return !ready.isEmpty();
  }
}
