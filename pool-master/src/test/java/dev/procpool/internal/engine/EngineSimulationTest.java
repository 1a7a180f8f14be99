package dev.procpool.internal.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The engine under seeded random event sequences, in the style of FoundationDB's simulation: one
 * thread, a fake clock, fake children, invariants checked after every step (see {@link
 * Simulation}). A failing seed prints itself; {@code -Dprocpool.sim.seed=N} replays it alone,
 * {@code -Dprocpool.sim.runs=N} runs more.
 */
class EngineSimulationTest {
  private static Level before;
  private static final AtomicInteger bugs = new AtomicInteger();
  private static volatile String lastBug;
  private static final AppenderBase<ILoggingEvent> bugCounter =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          if (event.getFormattedMessage().startsWith("bug:")) {
            bugs.incrementAndGet();
            lastBug = event.getFormattedMessage();
          }
        }
      };

  @BeforeAll
  static void quiet() {
    // The engine logs every child start and death: millions of lines otherwise. Only a "bug:"
    // (a job completed twice, caught and refused by PendingJob) is still heard, and fails the run.
    Logger engine = (Logger) LoggerFactory.getLogger("dev.procpool.internal.engine");
    before = engine.getLevel();
    // A replayed seed runs alone, with the engine's log: the story of the failure.
    engine.setLevel(System.getProperty("procpool.sim.seed") == null ? Level.OFF : Level.INFO);
    Logger jobs = (Logger) LoggerFactory.getLogger(PendingJob.class);
    jobs.setLevel(Level.ERROR);
    jobs.setAdditive(false);
    bugCounter.start();
    jobs.addAppender(bugCounter);
  }

  @AfterAll
  static void restore() {
    ((Logger) LoggerFactory.getLogger("dev.procpool.internal.engine")).setLevel(before);
    Logger jobs = (Logger) LoggerFactory.getLogger(PendingJob.class);
    jobs.detachAppender(bugCounter);
    jobs.setLevel(null);
    jobs.setAdditive(true);
  }

  static int bugsLogged() {
    return bugs.get();
  }

  static String lastBug() {
    return lastBug;
  }

  @Test
  void randomEventSequences_keepEveryInvariant() {
    String replay = System.getProperty("procpool.sim.seed");
    if (replay != null) {
      new Simulation(Long.parseLong(replay)).run(steps());
      return;
    }
    int runs = Integer.getInteger("procpool.sim.runs", 5_000);
    for (long seed = 1; seed <= runs; seed++) {
      new Simulation(seed).run(steps());
    }
  }

  private static int steps() {
    return Integer.getInteger("procpool.sim.steps", 600);
  }
}
