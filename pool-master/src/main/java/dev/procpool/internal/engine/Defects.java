package dev.procpool.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the engine reports a programmer error: a job completed twice, a transition its lifecycle
 * does not allow, a count that disagrees with the jobs and children it counts. The engine never
 * acts on a defect beyond refusing it (a future is never completed twice); this says who hears of
 * it. In production, {@link #LOG} logs it at ERROR with the job's and the child's state. The
 * simulation throws, so the seed fails at the very step that broke the rule.
 */
@FunctionalInterface
public interface Defects {
  /** Logs at ERROR; the pool goes on. */
  Defects LOG =
      new Defects() {
        private final Logger log = LoggerFactory.getLogger(Defects.class);

        @Override
        public void report(String what) {
          log.error("procpool defect (please report it): {}", what);
        }
      };

  /** {@code what} names the job or child, its state, and the rule it broke. */
  void report(String what);
}
