package dev.procpool.spring;

import dev.procpool.ProcessPool;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Actuator health {@code procpool}: DOWN with the pool's own reason while it cannot serve. */
public class ProcpoolHealthIndicator implements HealthIndicator {
  private final ProcessPool pool;

  public ProcpoolHealthIndicator(ProcessPool pool) {
    this.pool = pool;
  }

  @Override
  public Health health() {
    return pool.problem()
        .map(problem -> Health.down().withDetail("reason", problem).build())
        .orElseGet(() -> Health.up().build());
  }
}
