package dev.procpool;

import java.util.Optional;

/**
 * The only failure a pool user sees: a {@link FailureCode}, a message that carries the pool's
 * state, and for {@link FailureCode#JOB_FAILED} the remote exception's class and stack trace.
 */
public final class PoolException extends RuntimeException {
  private final FailureCode code;
  private final long jobId;
  private final String remoteClass;
  private final String remoteStack;

  public PoolException(FailureCode code, long jobId, String message) {
    this(code, jobId, message, null, null);
  }

  public PoolException(
      FailureCode code, long jobId, String message, String remoteClass, String remoteStack) {
    super(message);
    this.code = code;
    this.jobId = jobId;
    this.remoteClass = remoteClass;
    this.remoteStack = remoteStack;
  }

  /** What happened. */
  public FailureCode code() {
    return code;
  }

  /** The pool's id for the job, or -1 when the failure is not about one job (start-up). */
  public long jobId() {
    return jobId;
  }

  /** For {@code JOB_FAILED}: the class name of the exception the handler threw in the child. */
  public Optional<String> remoteClass() {
    return Optional.ofNullable(remoteClass);
  }

  /** For {@code JOB_FAILED}: the handler's stack trace as text, as the child printed it. */
  public Optional<String> remoteStack() {
    return Optional.ofNullable(remoteStack);
  }
}
