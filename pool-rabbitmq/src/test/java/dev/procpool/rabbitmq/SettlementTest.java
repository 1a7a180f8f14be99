package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import org.junit.jupiter.api.Test;

class SettlementTest {
  private static PoolException failed(FailureCode code) {
    return new PoolException(code, 1, "x");
  }

  @Test
  void result_answered() {
    assertEquals(Settlement.ANSWER, Settlement.of(null, false, 0, 5));
  }

  @Test
  void neverRan_requeuedAndPaused_untilItsLastDelivery() {
    for (FailureCode code : Settlement.NEVER_RAN) {
      assertEquals(
          Settlement.REQUEUE_AND_PAUSE, Settlement.of(failed(code), false, 0, 5), code.name());
      assertEquals(
          Settlement.REQUEUE_AND_PAUSE, Settlement.of(failed(code), false, 3, 5), code.name());
      assertEquals(Settlement.ANSWER, Settlement.of(failed(code), false, 4, 5), code.name());
      assertEquals(Settlement.ANSWER, Settlement.of(failed(code), true, 9, 5), code.name());
    }
  }

  @Test
  void crashOfARetryableType_requeued_otherwiseAnswered() {
    assertEquals(Settlement.REQUEUE, Settlement.of(failed(FailureCode.CHILD_CRASHED), true, 4, 5));
    assertEquals(Settlement.ANSWER, Settlement.of(failed(FailureCode.CHILD_CRASHED), false, 0, 5));
  }

  @Test
  void jobThatRan_answeredWhateverItsFailure() {
    for (FailureCode code :
        new FailureCode[] {
          FailureCode.JOB_FAILED,
          FailureCode.JOB_TIMEOUT,
          FailureCode.INVALID_REQUEST,
          FailureCode.CANCELLED,
          FailureCode.PROTOCOL_ERROR
        }) {
      assertEquals(Settlement.ANSWER, Settlement.of(failed(code), true, 0, 5), code.name());
    }
  }
}
