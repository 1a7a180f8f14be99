package dev.procpool.rabbitmq;

import java.time.Duration;

/**
 * How long a worker stops consuming after a job that never ran here (its pool could not start
 * children, lacked the type, was closed or full) was given back: 1 s, doubling with each one in a
 * row up to 30 s, back to nothing once a job runs. While it waits, other hosts take the queue's
 * jobs; it never spins a job between the queue and itself. Thread-safe.
 */
final class NeverRanBackoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration LONGEST = Duration.ofSeconds(30);

  private long pausedUntilNanos = System.nanoTime(); // guarded by this
  private int inARow; // guarded by this
  private String reason; // guarded by this

  /** A job never ran here: pause, for longer each time. */
  synchronized void onNeverRan(String why) {
    long pause = Math.min(LONGEST.toNanos(), FIRST.toNanos() << Math.min(inARow, 5));
    inARow++;
    pausedUntilNanos = System.nanoTime() + pause;
    reason = why;
  }

  /** A job ran here (whatever its outcome): the host serves. */
  synchronized void onRan() {
    inARow = 0;
  }

  synchronized boolean paused() {
    return System.nanoTime() - pausedUntilNanos < 0;
  }

  /** Why it pauses now, or null. */
  synchronized String reason() {
    return paused() ? reason : null;
  }
}
