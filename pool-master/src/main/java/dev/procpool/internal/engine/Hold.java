package dev.procpool.internal.engine;

/**
 * Pipelining's part of one child: the jobs sent ahead to it, waiting in its socket behind the
 * running job in the order the child will reach them, each with where a request to skip it stands;
 * and whether the child owes the answer that decides what it runs now. At most {@link
 * HoldDepth#MAX_DEPTH} - 1 jobs. Two small arrays, no allocation per job. Confined to the loop.
 */
final class Hold {
  /** Where a request to skip one held job stands. */
  enum Skip {
    /** Not asked: the job starts when the jobs ahead of it are done. */
    NONE,
    /** A SkipJob was sent; its answer has not come. */
    ASKED,
    /** The child answered that the job started (or will, when its turn comes). */
    REFUSED
  }

  static final int CAPACITY = HoldDepth.MAX_DEPTH - 1;

  private final PendingJob<?>[] jobs = new PendingJob<?>[CAPACITY];
  private final Skip[] skips = new Skip[CAPACITY];
  private int size;

  /**
   * The job ahead of the first held one answered while that one's skip answer was owed: until it
   * comes, the child may run it, or have skipped it and run a later one. Busy with no job known.
   */
  private boolean awaiting;

  private Loop.Timer awaitingGrace;

  /** In {@link SendAhead}'s sets (each holds a child once). */
  boolean inOpenSet;

  boolean inHolderSet;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The {@code i}-th held job (0 is next), {@code HELD} or {@code DONE} if it ended meanwhile. */
  PendingJob<?> job(int i) {
    return jobs[check(i)];
  }

  Skip skip(int i) {
    return skips[check(i)];
  }

  void skip(int i, Skip skip) {
    skips[check(i)] = skip;
  }

  /** Where the job of this id is held, or -1. */
  int indexOf(long jobId) {
    for (int i = 0; i < size; i++) {
      if (jobs[i].id() == jobId) {
        return i;
      }
    }
    return -1;
  }

  /** The last held job nobody has asked the child to skip, or -1. */
  int lastUnasked() {
    for (int i = size - 1; i >= 0; i--) {
      if (skips[i] == Skip.NONE) {
        return i;
      }
    }
    return -1;
  }

  /** Sent behind the others. */
  void add(PendingJob<?> job) {
    if (size == CAPACITY) {
      throw new IllegalStateException("a child holds at most " + CAPACITY + " jobs");
    }
    jobs[size] = job;
    skips[size] = Skip.NONE;
    size++;
  }

  /** The {@code i}-th job, no longer held (started, skipped or lost with the child). */
  PendingJob<?> remove(int i) {
    check(i);
    if (awaiting && i == 0) {
      throw new IllegalStateException("first held job taken while its skip answer is owed");
    }
    PendingJob<?> job = jobs[i];
    System.arraycopy(jobs, i + 1, jobs, i, size - i - 1);
    System.arraycopy(skips, i + 1, skips, i, size - i - 1);
    size--;
    jobs[size] = null;
    skips[size] = null;
    return job;
  }

  /** The child answered its running job while the first held one's skip answer is owed. */
  void await(Loop.Timer grace) {
    awaiting = true;
    awaitingGrace = grace;
  }

  /** The owed answer came (or the child is gone): the grace ends. */
  void stopAwaiting() {
    awaiting = false;
    if (awaitingGrace != null) {
      awaitingGrace.cancel();
      awaitingGrace = null;
    }
  }

  boolean awaitingSkipAnswer() {
    return awaiting;
  }

  private int check(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i + " of " + size + " held jobs");
    }
    return i;
  }
}
