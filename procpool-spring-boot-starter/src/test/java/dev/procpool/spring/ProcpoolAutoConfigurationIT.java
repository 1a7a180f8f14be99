package dev.procpool.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.testing.Descendants;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration in a real application context, with real child JVMs. */
class ProcpoolAutoConfigurationIT {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ProcpoolAutoConfiguration.class))
          .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

  @AfterEach
  void noChildOutlivesTheContext() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void properties_poolRunsJobsInChildren_metersAndHealthWired() {
    runner
        .withPropertyValues(
            "procpool.children=2",
            "procpool.name=boot",
            "procpool.job-timeout=20s",
            "procpool.max-frame-bytes=2MB",
            "procpool.pipelining=false")
        .run(
            context -> {
              ProcessPool pool = context.getBean(ProcessPool.class);
              assertEquals(2, pool.config().children());
              assertFalse(pool.config().pipelining());
              assertEquals(2 * 1024 * 1024, pool.config().maxFrameBytes());
              byte[] pid = pool.submit(Job.of("pid", new byte[0])).get(60, TimeUnit.SECONDS);
              assertNotEquals(
                  Long.toString(ProcessHandle.current().pid()),
                  new String(pid, StandardCharsets.UTF_8));
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertNotNull(
                  registry.find("procpool.children.busy").tag("pool", "boot").gauge(),
                  registry.getMeters().toString());
              assertEquals(
                  Status.UP, context.getBean(ProcpoolHealthIndicator.class).health().getStatus());
              assertTrue(context.getBean(ProcessPoolLifecycle.class).isRunning());
            });
  }

  @Test
  void disabled_noPool() {
    runner
        .withPropertyValues("procpool.enabled=false")
        .run(context -> assertTrue(context.getBeansOfType(ProcessPool.class).isEmpty()));
  }

  @Test
  void badProperty_contextFailsWithTheBuildersMessage() {
    runner
        .withPropertyValues("procpool.children=0")
        .run(
            context -> {
              assertNotNull(context.getStartupFailure());
              Throwable root = context.getStartupFailure();
              while (root.getCause() != null) {
                root = root.getCause();
              }
              assertTrue(root.getMessage().contains("children must be"), root.getMessage());
            });
  }

  @Test
  void drainTimeout_defaultFitsBootsShutdownPhase_longerIsRefused() {
    ProcpoolProperties properties = new ProcpoolProperties();
    assertEquals(
        java.time.Duration.ofSeconds(25),
        ProcpoolAutoConfiguration.drainTimeout(properties, java.time.Duration.ofSeconds(30)));
    properties.setDrainTimeout(java.time.Duration.ofSeconds(40));
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () ->
                ProcpoolAutoConfiguration.drainTimeout(
                    properties, java.time.Duration.ofSeconds(30)));
    assertTrue(e.getMessage().contains("timeout-per-shutdown-phase"), e.getMessage());
  }
}
