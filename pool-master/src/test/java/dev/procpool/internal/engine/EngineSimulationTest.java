package dev.procpool.internal.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The engine under seeded random event sequences, in the style of FoundationDB's simulation: one
 * thread, a fake clock, fake children, invariants checked after every step (see {@link
 * Simulation}). A failing seed prints itself; {@code -Dprocpool.sim.seed=N} replays it alone,
 * {@code -Dprocpool.sim.runs=N} runs more.
 */
class EngineSimulationTest {
  /** Runs of {@link #steps()} steps each in CI: 5,000 x 2,000 = 10 million steps. */
  static final int RUNS = 5_000;

  private static Level before;

  @BeforeAll
  static void quiet() {
    // The engine logs every child start and death, the facade every start and close: millions of
    // lines otherwise. Defects are not logged but thrown: the simulation hands the engine a
    // Defects that fails the run.
    Logger engine = (Logger) LoggerFactory.getLogger("dev.procpool");
    before = engine.getLevel();
    // A replayed seed runs alone, with the engine's log: the story of the failure.
    engine.setLevel(System.getProperty("procpool.sim.seed") == null ? Level.OFF : Level.INFO);
  }

  @AfterAll
  static void restore() {
    ((Logger) LoggerFactory.getLogger("dev.procpool")).setLevel(before);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES) // ~1 min on an idle 2-core VM; CI boxes are busy
  void randomEventSequences_keepEveryInvariant() {
    String replay = System.getProperty("procpool.sim.seed");
    if (replay != null) {
      new Simulation(Long.parseLong(replay)).run(steps());
      return;
    }
    int runs = Integer.getInteger("procpool.sim.runs", RUNS);
    long steps = 0;
    int[] runsByDeepest = new int[HoldDepth.MAX_DEPTH + 1];
    long startNanos = System.nanoTime();
    long startCpu = cpuNanos();
    for (long seed = 1; seed <= runs; seed++) {
      Simulation simulation = new Simulation(seed);
      simulation.run(steps());
      steps += simulation.steps();
      runsByDeepest[simulation.deepest()]++;
    }
    System.out.printf(
        "engine simulation: %d runs, %,d steps in %.1f s (%.1f s of CPU)%n",
        runs, steps, (System.nanoTime() - startNanos) / 1e9, (cpuNanos() - startCpu) / 1e9);
    // The runs by the most jobs a child held at once: deep holds must be reached, not just allowed.
    System.out.println("engine simulation: runs by deepest hold " + Arrays.toString(runsByDeepest));
    int deep = 0;
    for (int d = 4; d <= HoldDepth.MAX_DEPTH; d++) {
      deep += runsByDeepest[d];
    }
    assertTrue(deep >= runs / 20, "too few runs held 4 or more jobs in a child: " + deep);
  }

  private static long cpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static int steps() {
    return Integer.getInteger("procpool.sim.steps", 2_000);
  }
}
