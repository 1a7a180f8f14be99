package dev.procpool.child;

import java.time.Duration;
import java.util.Optional;

/** What a handler may know about the job it is running. */
public interface JobContext {

  /** The master's id for this job, unique within the pool. */
  long jobId();

  /** The job type, the same as {@link JobHandler#type()}. */
  String type();

  /**
   * The time limit the master enforces for this job, if any. When it passes, the master kills this
   * child; a handler may use it to give up earlier (for example as a JDBC query timeout).
   */
  Optional<Duration> timeout();

  /**
   * The caller's deadline, if it gave one ({@code Job.withDeadline}, HTTP {@code
   * X-Job-Deadline-Ms}): after it, nobody waits for the answer. A handler can size its own limits
   * from it, for example {@code statement.setQueryTimeout(...)} from the time left.
   */
  default Optional<java.time.Instant> deadline() {
    return Optional.empty();
  }

  /** The child this job runs in. */
  ChildContext child();
}
