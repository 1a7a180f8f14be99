package dev.procpool.internal.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
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

  @BeforeAll
  static void quiet() {
    // The engine logs every child start and death: millions of lines otherwise. Defects are not
    // logged but thrown: the simulation hands the engine a Defects that fails the run.
    Logger engine = (Logger) LoggerFactory.getLogger("dev.procpool.internal.engine");
    before = engine.getLevel();
    // A replayed seed runs alone, with the engine's log: the story of the failure.
    engine.setLevel(System.getProperty("procpool.sim.seed") == null ? Level.OFF : Level.INFO);
  }

  @AfterAll
  static void restore() {
    ((Logger) LoggerFactory.getLogger("dev.procpool.internal.engine")).setLevel(before);
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
