package dev.procpool;

import dev.procpool.internal.engine.Failure;

/**
 * The public {@link FailureCode} and the engine's {@link Failure}, mapped by explicit switches (not
 * {@code valueOf(name())}): adding a constant to either enum without its partner is a compile error
 * here, not a runtime {@code IllegalArgumentException} on a failure path. The wire enum is mapped
 * beside the engine's, in {@link Failure#fromWire} and {@link Failure#toWire}.
 */
final class FailureCodes {
  private FailureCodes() {}

  static FailureCode toPublic(Failure failure) {
    return switch (failure) {
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

  static Failure toEngine(FailureCode code) {
    return switch (code) {
      case INVALID_REQUEST -> Failure.INVALID_REQUEST;
      case UNKNOWN_JOB_TYPE -> Failure.UNKNOWN_JOB_TYPE;
      case QUEUE_FULL -> Failure.QUEUE_FULL;
      case POOL_CLOSED -> Failure.POOL_CLOSED;
      case JOB_FAILED -> Failure.JOB_FAILED;
      case JOB_TIMEOUT -> Failure.JOB_TIMEOUT;
      case CANCELLED -> Failure.CANCELLED;
      case CHILD_CRASHED -> Failure.CHILD_CRASHED;
      case PROTOCOL_ERROR -> Failure.PROTOCOL_ERROR;
      case SPAWN_FAILED -> Failure.SPAWN_FAILED;
      case POISON_JOB -> Failure.POISON_JOB;
      case DEADLINE_EXCEEDED -> Failure.DEADLINE_EXCEEDED;
    };
  }
}
