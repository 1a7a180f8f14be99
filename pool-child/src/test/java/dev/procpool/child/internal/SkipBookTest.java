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

  @Test
  void aSkippedAnswerIsWrittenBeforeTheJobThreadCanPassTheJob() throws Exception {
    SkipBook book = new SkipBook();
    java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.List<String> order =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Thread watchdog =
        new Thread(
            () -> {
              try {
                book.answer(
                    7,
                    skipped -> {
                      writing.countDown();
                      try { // a slow write
                        release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        throw new java.io.IOException(e);
                      }
                      order.add("answer skipped=" + skipped);
                    });
              } catch (Exception e) {
                order.add("failed " + e);
              }
            });
    watchdog.start();
    assertTrue(writing.await(10, java.util.concurrent.TimeUnit.SECONDS));
    Thread jobThread = new Thread(() -> order.add(book.start(7) ? "started 7" : "dropped 7"));
    jobThread.start();
    // It must wait at the lock while the answer is written; bounded in count, not timed.
    for (int i = 0; i < 10_000 && jobThread.getState() != Thread.State.BLOCKED; i++) {
      if (!jobThread.isAlive()) {
        break;
      }
      Thread.sleep(1);
    }
    assertTrue(jobThread.isAlive(), "the job thread passed the job before its answer was written");
    release.countDown();
    watchdog.join(10_000);
    jobThread.join(10_000);
    org.junit.jupiter.api.Assertions.assertEquals(
        java.util.List.of("answer skipped=true", "dropped 7"), order);
  }

  @Test
  void anAnswerThatCannotBeWritten_undoesTheSkip() {
    // The master never hears "skipped": it must be able to assume the job runs in its turn.
    SkipBook book = new SkipBook();
    org.junit.jupiter.api.Assertions.assertThrows(
        java.io.IOException.class,
        () ->
            book.answer(
                7,
                skipped -> {
                  throw new java.io.IOException("control connection broken");
                }));
    assertTrue(book.start(7), "the job runs");
  }
}
