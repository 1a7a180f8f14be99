package dev.procpool.child.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one decision between the watchdog and the job thread: a held job runs, or is skipped. */
class SkipBookTest {

  @Test
  void skippedBeforeItsTurn_neverStarts() {
    SkipBook book = new SkipBook();
    assertTrue(book.skip(7));
    assertFalse(book.start(7), "the job thread drops it");
  }

  @Test
  void startedFirst_cannotBeSkipped() {
    SkipBook book = new SkipBook();
    assertTrue(book.start(7));
    assertFalse(book.skip(7), "the master hears it started");
  }

  @Test
  void resentAfterASkip_runsTheSecondTime() {
    SkipBook book = new SkipBook();
    assertTrue(book.skip(7));
    assertFalse(book.start(7)); // the first copy, skipped
    assertTrue(book.start(7)); // the copy sent again once it came back to the queue
  }

  @Test
  void sentAgainAndSkippedAgainBeforeTheFirstCopyWasRead_bothCopiesAreDropped() {
    // Skipped, back to the queue, sent to this child again, skipped again: two copies wait in
    // the socket and the master was told twice that the job will not run here.
    SkipBook book = new SkipBook();
    assertTrue(book.skip(7));
    assertTrue(book.skip(7));
    assertFalse(book.start(7));
    assertFalse(book.start(7));
    assertTrue(book.start(7), "a third copy, never skipped, runs");
  }

  @Test
  void startedThenAFullHoldOfJobsStartedBehindIt_stillCannotBeSkipped() {
    // At depth 16 the skip request for a held job may arrive after it and the (short) jobs held
    // behind it have all started: the book must still know it started.
    SkipBook book = new SkipBook();
    assertTrue(book.start(7));
    for (long id = 100; id < 100 + 2 * SkipBook.MAX_DEPTH; id++) {
      assertTrue(book.start(id));
    }
    assertFalse(book.skip(7), "it started: a wrong 'skipped' would run it twice");
  }

  @Test
  void theWholeWindowIsRemembered_andItIsWellAboveTheDepth() {
    assertTrue(SkipBook.RECENT >= 4 * SkipBook.MAX_DEPTH, "window " + SkipBook.RECENT);
    SkipBook book = new SkipBook();
    assertTrue(book.start(7));
    for (long id = 100; id < 100 + SkipBook.RECENT - 1; id++) {
      assertTrue(book.start(id));
    }
    assertFalse(book.skip(7), "the oldest id in the window");
    assertTrue(book.start(1_000)); // pushes 7 out of the window
    assertFalse(book.skip(100), "the next oldest is still there");
  }

  @Test
  void skipsAreBounded() {
    SkipBook book = new SkipBook();
    for (long id = 1; id <= 64; id++) {
      assertTrue(book.skip(id));
    }
    assertFalse(book.skip(65), "beyond the bound the job runs, and the master hears so");
  }
}
