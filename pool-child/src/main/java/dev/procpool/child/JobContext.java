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

  /** The child this job runs in. */
  ChildContext child();
}
