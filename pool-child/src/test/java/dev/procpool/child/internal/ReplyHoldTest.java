package dev.procpool.child.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplyHoldTest {
  private static final long SHORT = 5_000;

  @Test
  void shortJob_sameTypeNext_moreInHandThanHeld_holds() {
    assertTrue(new ReplyHold().hold(SHORT, 0, 1, 4, true));
  }

  @Test
  void longJob_neverHolds() {
    assertFalse(new ReplyHold().hold(ReplyHold.SHORT_NANOS, 0, 1, 16, true));
    assertFalse(new ReplyHold().hold(1_000_000, 0, 1, 16, true));
  }

  @Test
  void nextOfAnotherType_doesNotHold() {
    assertFalse(new ReplyHold().hold(SHORT, 0, 1, 4, false));
  }

  @Test
  void oneJobAhead_asWithPipeliningOfOne_neverHolds() {
    assertFalse(new ReplyHold().hold(SHORT, 0, 1, 1, true));
  }

  @Test
  void heldReachInHand_flushes() {
    ReplyHold hold = new ReplyHold();
    assertTrue(hold.hold(SHORT, 0, 1, 4, true));
    assertTrue(hold.hold(SHORT, SHORT, 2, 3, true));
    assertFalse(hold.hold(SHORT, 2 * SHORT, 3, 3, true));
  }

  @Test
  void oldestHeldPastMaxHold_flushes() {
    ReplyHold hold = new ReplyHold();
    assertTrue(hold.hold(SHORT, 0, 1, 16, true));
    assertFalse(hold.hold(SHORT, ReplyHold.MAX_HOLD_NANOS, 2, 15, true));
  }

  @Test
  void atMostMaxHeld() {
    ReplyHold hold = new ReplyHold();
    assertTrue(hold.hold(1, 0, 1, 100, true));
    assertTrue(hold.hold(1, 1, ReplyHold.MAX_HELD, 100, true));
    assertFalse(hold.hold(1, 2, ReplyHold.MAX_HELD + 1, 100, true));
  }

  @Test
  void aNewBatchRestartsTheClock() {
    ReplyHold hold = new ReplyHold();
    assertTrue(hold.hold(SHORT, 0, 1, 16, true));
    assertTrue(hold.hold(SHORT, 10 * ReplyHold.MAX_HOLD_NANOS, 1, 16, true));
  }
}
