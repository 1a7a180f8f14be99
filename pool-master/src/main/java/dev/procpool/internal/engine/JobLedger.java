package dev.procpool.internal.engine;

/**
 * How many of a pool's jobs are in each state of their lifecycle: updated by {@link PendingJob}'s
 * one transition method and nowhere else, so it cannot drift from the states it counts. {@link
 * Engine#checkInvariants()} recounts the jobs from the queue and the children and compares.
 *
 * <p>{@link JobState#NEW} is not counted: a job is new on the caller's thread, before it reaches
 * the loop. Confined to the loop.
 */
final class JobLedger {
  private final int[] counts = new int[JobState.values().length];

  void moved(JobState from, JobState to) {
    if (from != JobState.NEW) {
      counts[from.ordinal()]--;
    }
    if (to != JobState.DONE) {
      counts[to.ordinal()]++;
    }
  }

  int count(JobState state) {
    return counts[state.ordinal()];
  }

  /** In the queue, not sent ahead. */
  int queued() {
    return count(JobState.QUEUED);
  }

  /** Sent ahead to a busy child, still wanted: queued, for the user. */
  int held() {
    return count(JobState.HELD);
  }

  int running() {
    return count(JobState.RUNNING);
  }

  int pinned() {
    return count(JobState.PINNED);
  }

  /**
   * Admitted and not started: what {@link Admission#waiting()} must equal once the loop is idle.
   */
  int waiting() {
    return queued() + held() + pinned();
  }

  @Override
  public String toString() {
    return "queued="
        + queued()
        + " held="
        + held()
        + " pinned="
        + pinned()
        + " running="
        + running();
  }
}
