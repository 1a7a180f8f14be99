package dev.procpool.internal.engine;

/**
 * Pipelining's part of one child: the job sent ahead to it, waiting in its socket behind the
 * running job, and where a request to skip that job stands. A child holds at most one job (its
 * pipelining depth is 1). Confined to the loop.
 */
final class Hold {
  /** Where a request to skip the held job stands. */
  enum Skip {
    /** Not asked: the held job starts when the running one answers. */
    NONE,
    /** A SkipJob was sent; its answer has not come. */
    ASKED,
    /** Asked, and the running job answered first: busy with no job until the skip answer. */
    AWAITED,
    /** The child answered that the held job started (or will, after the running one). */
    REFUSED
  }

  /** The job sent ahead, {@code HELD} (or {@code DONE} if it ended meanwhile); or null. */
  private PendingJob<?> job;

  private Skip skip = Skip.NONE;
  private Loop.Timer skipAnswerGrace;

  /** In {@link SendAhead}'s sets (each holds a child once). */
  boolean inOpenSet;

  boolean inHolderSet;

  PendingJob<?> job() {
    return job;
  }

  void hold(PendingJob<?> job) {
    this.job = job;
    this.skip = Skip.NONE;
  }

  /** The held job, no longer held (started, skipped or lost with the child); or null. */
  PendingJob<?> take() {
    if (skip == Skip.AWAITED) {
      throw new IllegalStateException("held job taken while its skip answer is owed");
    }
    PendingJob<?> held = job;
    job = null;
    skip = Skip.NONE;
    return held;
  }

  Skip skip() {
    return skip;
  }

  /** Moves the skip request on; leaving {@link Skip#AWAITED} ends its grace. */
  void skip(Skip next) {
    if (skip == Skip.AWAITED && skipAnswerGrace != null) {
      skipAnswerGrace.cancel();
      skipAnswerGrace = null;
    }
    this.skip = next;
  }

  /**
   * The child answered its job, and the master had asked it to skip the one held: until the answer
   * comes, that job may or may not be running. {@code grace} fires if no answer comes.
   */
  void awaitSkipAnswer(Loop.Timer grace) {
    skip(Skip.AWAITED);
    this.skipAnswerGrace = grace;
  }

  boolean awaitingSkipAnswer() {
    return skip == Skip.AWAITED;
  }
}
