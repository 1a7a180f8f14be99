package dev.procpool.server.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The server's signals. SIGTERM or SIGINT: stop (drain, then exit 0). A second one: close the
 * embedded database first, so that every commit already answered is on disk, then exit 1 at once.
 * SIGHUP: whatever {@link #onHangUp} says; until then it is ignored (never the JVM's default, which
 * ends the process).
 */
final class StopSignals {
  private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicReference<AutoCloseable> database;
  private volatile Runnable hangUp = () -> log.info("SIGHUP ignored: the server is starting");

  private StopSignals(AutoCloseable database) {
    this.database = new AtomicReference<>(database);
  }

  static StopSignals install(Duration drainTimeout, AutoCloseable database) {
    StopSignals signals = new StopSignals(database);
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), s -> signals.onStop(name, drainTimeout));
    }
    Signal.handle(new Signal("HUP"), s -> signals.hangUp.run());
    return signals;
  }

  private void onStop(String name, Duration drainTimeout) {
    if (count.incrementAndGet() == 1) {
      log.info("SIG{}: stopping; draining jobs for up to {} ms", name, drainTimeout.toMillis());
      stop.countDown();
      return;
    }
    log.warn("second signal: exiting without draining");
    AutoCloseable db = database.getAndSet(null);
    if (db != null) {
      try {
        db.close();
      } catch (Exception e) {
        log.warn("closing the embedded database failed: {}", e.toString());
      }
    }
    Runtime.getRuntime().halt(1);
  }

  void onHangUp(Runnable action) {
    hangUp = action;
  }

  void awaitStop() throws InterruptedException {
    stop.await();
  }

  /** The run closes the database itself from now on. */
  void closing() {
    database.set(null);
  }
}
