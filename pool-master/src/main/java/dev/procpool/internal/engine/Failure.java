package dev.procpool.internal.engine;

import dev.procpool.protocol.FailureCode;

/**
 * Why a job failed, inside the engine: the same names as the public {@code FailureCode}, which the
 * pool maps these to. The engine has its own enum so that it depends on nothing in the API package.
 * Every mapping (here to and from the wire's {@code procpool.v1.FailureCode}, and the pool's to and
 * from the public enum) is an explicit switch, so a constant added on one side only does not
 * compile; {@code FailureCodesTest} walks every value both ways.
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

  /** The code a child's reply carries; {@code null} for UNSPECIFIED or a number this side lacks. */
  public static Failure fromWire(FailureCode code) {
    return switch (code) {
      case INVALID_REQUEST -> INVALID_REQUEST;
      case UNKNOWN_JOB_TYPE -> UNKNOWN_JOB_TYPE;
      case QUEUE_FULL -> QUEUE_FULL;
      case POOL_CLOSED -> POOL_CLOSED;
      case JOB_FAILED -> JOB_FAILED;
      case JOB_TIMEOUT -> JOB_TIMEOUT;
      case CANCELLED -> CANCELLED;
      case CHILD_CRASHED -> CHILD_CRASHED;
      case PROTOCOL_ERROR -> PROTOCOL_ERROR;
      case SPAWN_FAILED -> SPAWN_FAILED;
      case POISON_JOB -> POISON_JOB;
      case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
      case FAILURE_CODE_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  /** This code on the wire. */
  public FailureCode toWire() {
    return switch (this) {
      case INVALID_REQUEST -> FailureCode.INVALID_REQUEST;
      case UNKNOWN_JOB_TYPE -> FailureCode.UNKNOWN_JOB_TYPE;
      case QUEUE_FULL -> FailureCode.QUEUE_FULL;
      case POOL_CLOSED -> FailureCode.POOL_CLOSED;
      case JOB_FAILED -> FailureCode.JOB_FAILED;
      case JOB_TIMEOUT -> FailureCode.JOB_TIMEOUT;
      case CANCELLED -> FailureCode.CANCELLED;
      case CHILD_CRASHED -> FailureCode.CHILD_CRASHED;
      case PROTOCOL_ERROR -> FailureCode.PROTOCOL_ERROR;
      case SPAWN_FAILED -> FailureCode.SPAWN_FAILED;
      case POISON_JOB -> FailureCode.POISON_JOB;
      case DEADLINE_EXCEEDED -> FailureCode.DEADLINE_EXCEEDED;
    };
  }

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
