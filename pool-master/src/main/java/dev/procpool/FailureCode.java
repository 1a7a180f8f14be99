package dev.procpool;

/**
 * Why a job failed. A closed list: every failed future carries a {@link PoolException} with one of
 * these. Each constant says whether submitting the same job again is safe.
 */
public enum FailureCode {
  /** The job was malformed (empty type, null payload) and never queued. Retrying will not help. */
  INVALID_REQUEST,
  /** No handler in the children serves the job's type; the child stayed up. Not worth retrying. */
  UNKNOWN_JOB_TYPE,
  /** The queue was at capacity; the job never ran. Always safe to retry, ideally after a pause. */
  QUEUE_FULL,
  /**
   * The pool was closing or closed; the job never ran, or was still queued at the drain deadline.
   */
  POOL_CLOSED,
  /**
   * The handler threw; the exception's class, message and stack came back. Retry only if
   * idempotent.
   */
  JOB_FAILED,
  /** The job ran past its timeout; its child was killed and replaced. Retry only if idempotent. */
  JOB_TIMEOUT,
  /** The job was cancelled, while queued (it never ran) or while running (its child was killed). */
  CANCELLED,
  /**
   * The child died while running the job (signal, exit, out of memory). Retry only if idempotent.
   */
  CHILD_CRASHED,
  /**
   * The child broke the protocol (bad frame, wrong reply); it was killed. Retry only if idempotent.
   */
  PROTOCOL_ERROR,
  /**
   * A retryable job killed its child on each of its attempts; it is quarantined, never run again.
   * Do not retry.
   */
  POISON_JOB,
  /**
   * The caller's deadline ({@code Job.withDeadline}) passed: the job waited in the queue past it
   * and never ran, or ran past it and its child was killed, or it was refused at submit because the
   * expected wait already exceeded it. Retry only with a later deadline.
   */
  DEADLINE_EXCEEDED,
  /**
   * Children keep failing to start, so the pool cannot run jobs; the job never ran. Always safe to
   * retry.
   */
  SPAWN_FAILED
}
