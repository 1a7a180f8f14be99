package dev.procpool.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The starter keeps up with the builder: every setting has a {@code procpool.*} property of the
 * same name (or a reason below why not), and each property reaches the pool's config.
 */
class StarterPropertiesTest {
  /** Builder settings with no property, each with its reason. */
  private static final Map<String, String> NO_PROPERTY =
      Map.of(
          "meterRegistry",
          "the application's MeterRegistry bean is used when there is one",
          "tracing",
          "the application's ObservationRegistry bean is used when there is one (not no-op)");

  private static Set<String> builderSettings() {
    return Arrays.stream(PoolConfigBuilder.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()))
        .filter(m -> m.getReturnType() == PoolConfigBuilder.class)
        .map(Method::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyBuilderSetting_hasAPropertyOfTheSameName_orAStatedReason() {
    Set<String> properties =
        Arrays.stream(ProcpoolProperties.class.getDeclaredFields())
            .filter(f -> !Modifier.isStatic(f.getModifiers()))
            .map(Field::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> missing = new TreeSet<>(builderSettings());
    missing.removeAll(properties);
    missing.removeAll(NO_PROPERTY.keySet());
    assertEquals(
        Set.of(),
        missing,
        "builder settings with no procpool.* property: add one to ProcpoolProperties and"
            + " PoolConfigFactory, or a reason to NO_PROPERTY");
    Set<String> extra = new TreeSet<>(properties);
    extra.removeAll(builderSettings());
    assertEquals(Set.of("enabled"), extra, "properties that are no builder setting");
  }

  @Test
  void everyProperty_reachesTheConfig() throws Exception {
    Executor executor = Runnable::run;
    ProcpoolProperties p = new ProcpoolProperties();
    p.setName("boot");
    p.setChildren(3);
    p.setQueueCapacity(7);
    p.setJobTimeout(Duration.ofSeconds(7));
    p.setChildJvmOptions(List.of("-Xmx64m"));
    p.setChildClasspath(List.of(Path.of("a.jar")));
    p.setChildClasspathOverride(List.of(Path.of("b.jar")));
    p.setMaxJobsPerChild(7L);
    p.setMaxFrameBytes(DataSize.ofMegabytes(2));
    p.setStartTimeout(Duration.ofSeconds(7));
    p.setSpawnFailureLimit(7);
    p.setCallbackExecutor("myExecutor");
    p.setJavaExecutable(Path.of("/opt/jdk/bin/java"));
    p.setChildEnvironment(Map.of("A", "b"));
    p.setRetryableJobTypes(List.of("r"));
    p.setMaxAttempts(7);
    p.setRecycleAboveHeapBytes(DataSize.ofMegabytes(512));
    p.setRecycleAboveRssBytes(DataSize.ofGigabytes(1));
    p.setMaxChildren(9);
    p.setChildIdleTimeout(Duration.ofSeconds(7));
    p.setChildClassDataDirectory(Path.of("cds"));
    p.setSlowJobThreshold(Duration.ofSeconds(7));
    p.setDeadlineAdmission(true);
    p.setJobAccounting(false);
    p.setPipelining(false);
    p.getSandbox().setEnabled(true);
    PoolConfig config =
        PoolConfigFactory.build(
            p,
            Duration.ofSeconds(7),
            new SimpleMeterRegistry(),
            name -> {
              assertEquals("myExecutor", name);
              return executor;
            },
            observed());
    PoolConfig defaults = PoolConfig.builder().build();
    for (String setting : builderSettings()) {
      Method getter = PoolConfig.class.getMethod(setting);
      assertNotEquals(
          getter.invoke(defaults),
          getter.invoke(config),
          setting + ": the property did not reach the config");
    }
    assertSame(executor, config.callbackExecutor());
    assertEquals(512L << 20, config.recycleAboveHeapBytes());
    assertEquals(2 << 20, config.maxFrameBytes());
  }

  /** An observation registry someone listens to (with no handler it is no-op, and unused). */
  private static io.micrometer.observation.ObservationRegistry observed() {
    io.micrometer.observation.ObservationRegistry registry =
        io.micrometer.observation.ObservationRegistry.create();
    registry.observationConfig().observationHandler(context -> true);
    return registry;
  }

  @Test
  void unsetProperties_keepTheLibraryDefaults() {
    PoolConfig config =
        PoolConfigFactory.build(
            new ProcpoolProperties(),
            Duration.ofSeconds(30),
            null,
            name -> {
              throw new AssertionError("no executor property was set");
            });
    PoolConfig defaults = PoolConfig.builder().name("procpool").build();
    assertEquals(defaults.toString(), config.toString());
  }
}
