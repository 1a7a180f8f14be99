package dev.procpool.internal.engine;

/**
 * How many of a pool's jobs are in each state of their lifecycle: updated by {@link PendingJob}'s
 * one transition method and nowhere else, so it cannot drift from the states it counts. {@link
 * Engine#checkInvariants()} recounts the jobs from the queue and the children and compares.
 *
 * <p>{@link PendingJob.State#NEW} is not counted: a job is new on the caller's thread, before it
 * reaches the loop. Confined to the loop.
 */
final class JobLedger {
  private final int[] counts = new int[PendingJob.State.values().length];

  void moved(PendingJob.State from, PendingJob.State to) {
    if (from != PendingJob.State.NEW) {
      counts[from.ordinal()]--;
    }
    if (to != PendingJob.State.DONE) {
      counts[to.ordinal()]++;
    }
  }

  int count(PendingJob.State state) {
    return counts[state.ordinal()];
  }

  /** In the queue, not sent ahead. */
  int queued() {
    return count(PendingJob.State.QUEUED);
  }

  /** Sent ahead to a busy child, still wanted: queued, for the user. */
  int held() {
    return count(PendingJob.State.HELD);
  }

  int running() {
    return count(PendingJob.State.RUNNING);
  }

  int pinned() {
    return count(PendingJob.State.PINNED);
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
