package dev.procpool.rabbitmq;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a worker does with a delivery once its job is over: the policy alone, with no channel, so it
 * is tested as a table.
 */
enum Settlement {
  /** Publish the answer (result or failure), then ack. */
  ANSWER,
  /** Give it back to the queue: another attempt, here or on another host. */
  REQUEUE,
  /**
   * Give it back and stop consuming for a while: the job never ran because of this host (its pool
   * cannot start children, lacks the type, is closed or full). Another host gets its turn.
   */
  REQUEUE_AND_PAUSE;

  /** Codes for which no handler ran: nothing happened yet, and another host may do better. */
  static final Set<FailureCode> NEVER_RAN =
      EnumSet.of(
          FailureCode.SPAWN_FAILED,
          FailureCode.UNKNOWN_JOB_TYPE,
          FailureCode.POOL_CLOSED,
          FailureCode.QUEUE_FULL);

  /**
   * @param failure the job's failure, or null for a result
   * @param retryable whether the job's type may run twice (idempotent)
   * @param deliveryCount how often the broker handed it out before ({@code x-delivery-count})
   * @param deliveryLimit the queue's delivery limit: past it the broker dead-letters the message
   */
  static Settlement of(
      PoolException failure, boolean retryable, long deliveryCount, int deliveryLimit) {
    if (failure == null) {
      return ANSWER;
    }
    // The last delivery the queue allows is answered: a job no host can run ends as the code a
    // local pool gives (UNKNOWN_JOB_TYPE...), not silently in the dead-letter queue, and a requeue
    // can never loop.
    boolean lastDelivery = deliveryCount + 1 >= deliveryLimit;
    if (NEVER_RAN.contains(failure.code())) {
      return lastDelivery ? ANSWER : REQUEUE_AND_PAUSE;
    }
    if (failure.code() == FailureCode.CHILD_CRASHED && retryable) {
      return REQUEUE; // the delivery limit dead-letters a job that keeps killing children
    }
    return ANSWER;
  }
}
