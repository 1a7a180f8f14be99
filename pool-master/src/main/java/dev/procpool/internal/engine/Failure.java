package dev.procpool.internal.engine;

/**
 * Why a job failed, inside the engine: the same names as the public {@code FailureCode}, which the
 * pool maps these to. The engine has its own enum so that it depends on nothing in the API package.
 */
public enum Failure {
  INVALID_REQUEST,
  UNKNOWN_JOB_TYPE,
  QUEUE_FULL,
  POOL_CLOSED,
  JOB_FAILED,
  JOB_TIMEOUT,
  CANCELLED,
  CHILD_CRASHED,
  PROTOCOL_ERROR,
  SPAWN_FAILED,
  POISON_JOB,
  DEADLINE_EXCEEDED;

  /** Makes the exception a future fails with: the pool's {@code PoolException}. */
  @FunctionalInterface
  public interface Factory {
    RuntimeException create(
        Failure code, long jobId, String message, String remoteClass, String remoteStack);

    default RuntimeException create(Failure code, long jobId, String message) {
      return create(code, jobId, message, null, null);
    }
  }
}
