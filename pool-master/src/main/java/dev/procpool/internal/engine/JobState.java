package dev.procpool.internal.engine;

/**
 * Where a job is in its life; the diagram is {@link PendingJob}'s, the one place that moves a job
 * from one state to the next.
 */
public enum JobState {
  /** Admitted at submit, on its way to the loop. */
  NEW,
  /** In the pool's queue. */
  QUEUED,
  /** Sent ahead to a busy child, waiting there behind its running job; still queued for users. */
  HELD,
  /** A broadcast job waiting for its one child. */
  PINNED,
  RUNNING,
  DONE;

  /** Admitted and not started: counted by {@link Admission#waiting()}. */
  boolean waiting() {
    return this != RUNNING && this != DONE;
  }

  /** Whether a job may move from this state to {@code next}. */
  boolean allows(JobState next) {
    return switch (this) {
      case NEW -> next == QUEUED || next == PINNED || next == DONE;
      case QUEUED -> next == HELD || next == RUNNING || next == DONE;
      case HELD -> next == QUEUED || next == RUNNING || next == DONE;
      case PINNED -> next == RUNNING || next == DONE;
      case RUNNING -> next == QUEUED || next == DONE;
      case DONE -> false;
    };
  }
}
