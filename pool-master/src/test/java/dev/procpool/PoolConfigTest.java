package dev.procpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** One test per validation rule: the exception type and its message, naming field and value. */
class PoolConfigTest {

  private static void rejects(String message, Executable setter) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setter);
    assertEquals(message, e.getMessage());
  }

  @Test
  void children_belowOne_rejected() {
    rejects("children must be >= 1: 0", () -> PoolConfig.builder().children(0));
  }

  @Test
  void queueCapacity_negative_rejected() {
    rejects("queueCapacity must be >= 0: -1", () -> PoolConfig.builder().queueCapacity(-1));
  }

  @Test
  void jobTimeout_zeroOrNegative_rejected() {
    rejects("jobTimeout must be > 0: PT0S", () -> PoolConfig.builder().jobTimeout(Duration.ZERO));
    rejects(
        "jobTimeout must be > 0: PT-1S",
        () -> PoolConfig.builder().jobTimeout(Duration.ofSeconds(-1)));
  }

  @Test
  void startTimeout_zero_rejected() {
    rejects(
        "startTimeout must be > 0: PT0S", () -> PoolConfig.builder().startTimeout(Duration.ZERO));
  }

  @Test
  void drainTimeout_negative_rejected() {
    rejects(
        "drainTimeout must be >= 0: PT-1S",
        () -> PoolConfig.builder().drainTimeout(Duration.ofSeconds(-1)));
  }

  @Test
  void maxJobsPerChild_negative_rejected() {
    rejects("maxJobsPerChild must be >= 0: -5", () -> PoolConfig.builder().maxJobsPerChild(-5));
  }

  @Test
  void maxFrameBytes_tooSmall_rejected() {
    rejects("maxFrameBytes must be >= 1024: 100", () -> PoolConfig.builder().maxFrameBytes(100));
  }

  @Test
  void spawnFailureLimit_belowOne_rejected() {
    rejects("spawnFailureLimit must be >= 1: 0", () -> PoolConfig.builder().spawnFailureLimit(0));
  }

  @Test
  void name_blank_rejected() {
    rejects("name must not be blank: ' '", () -> PoolConfig.builder().name(" "));
  }

  @Test
  void maxAttempts_belowOne_rejected() {
    rejects("maxAttempts must be >= 1: 0", () -> PoolConfig.builder().maxAttempts(0));
  }

  @Test
  void retryableJobTypes_empty_rejected() {
    rejects(
        "retryableJobTypes must not contain an empty type",
        () -> PoolConfig.builder().retryableJobTypes("a", ""));
  }

  @Test
  void recycleLimits_negative_rejected() {
    rejects(
        "recycleAboveHeapBytes must be >= 0: -1",
        () -> PoolConfig.builder().recycleAboveHeapBytes(-1));
    rejects(
        "recycleAboveRssBytes must be >= 0: -1",
        () -> PoolConfig.builder().recycleAboveRssBytes(-1));
  }

  @Test
  void childEnvironment_badName_rejected() {
    rejects(
        "childEnvironment name must be non-empty without '=': 'A=B'",
        () -> PoolConfig.builder().childEnvironment("A=B", "x"));
  }

  @Test
  void childrenAboveMaxChildren_rejectedAtBuild() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> PoolConfig.builder().children(8).maxChildren(4).build());
    assertEquals("children (8) must be <= maxChildren (4)", e.getMessage());
  }

  @Test
  void maxChildren_belowOne_rejected() {
    rejects("maxChildren must be >= 1: 0", () -> PoolConfig.builder().maxChildren(0));
  }

  @Test
  void nulls_rejectedWithFieldName() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> PoolConfig.builder().jobTimeout(null));
    assertEquals("jobTimeout", e.getMessage());
  }

  @Test
  void build_keepsEverySetting() {
    PoolConfig config =
        PoolConfig.builder()
            .name("p")
            .children(3)
            .queueCapacity(7)
            .jobTimeout(Duration.ofSeconds(2))
            .childJvmOptions("-Xmx64m")
            .childClasspath(List.of(Path.of("handlers.jar")))
            .maxJobsPerChild(100)
            .build();
    assertEquals("p", config.name());
    assertEquals(3, config.children());
    assertEquals(7, config.queueCapacity());
    assertEquals(Duration.ofSeconds(2), config.jobTimeout());
    assertEquals(List.of("-Xmx64m"), config.childJvmOptions());
    assertEquals(List.of(Path.of("handlers.jar").toAbsolutePath()), config.childClasspath());
    assertEquals(100, config.maxJobsPerChild());
  }

  @Test
  void job_withTimeout_zero_rejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Job.of("t", new byte[0]).withTimeout(Duration.ZERO));
    assertEquals("timeout must be > 0: PT0S", e.getMessage());
  }

  @Test
  void slowJobThreshold_negative_rejected_zeroMeansOff() {
    rejects(
        "slowJobThreshold must be >= 0: PT-1S",
        () -> PoolConfig.builder().slowJobThreshold(Duration.ofSeconds(-1)));
    assertEquals(Duration.ZERO, PoolConfig.builder().build().slowJobThreshold());
  }

  @Test
  void unsetReferences_areEmptyOptionals_neverNull() {
    PoolConfig config = PoolConfig.builder().build();
    assertTrue(config.meterRegistry().isEmpty());
    assertTrue(config.childClassDataDirectory().isEmpty());
  }

  /** Every public setter of the builder: the names the config, starter and docs must share. */
  static Set<String> builderSettings() {
    return Arrays.stream(PoolConfigBuilder.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()))
        .filter(m -> m.getReturnType() == PoolConfigBuilder.class)
        .map(Method::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyBuilderSetting_hasAGetterOfTheSameName() throws Exception {
    for (String setting : builderSettings()) {
      Method getter = PoolConfig.class.getMethod(setting);
      assertTrue(Modifier.isPublic(getter.getModifiers()), setting);
    }
  }

  @Test
  void toString_listsEverySetting_byItsBuilderName() {
    Set<String> described = PoolConfig.builder().build().describe().keySet();
    assertEquals(builderSettings(), new TreeSet<>(described));
  }

  @Test
  void toString_masksEnvironmentValuesAndSecretOptions() {
    String text =
        PoolConfig.builder()
            .name("p")
            .childEnvironment("PROCPOOL_DB_PASSWORD", "hunter2")
            .childEnvironment("PROCPOOL_DB_URL", "jdbc:postgresql://h/db?password=hunter3")
            .childJvmOptions("-Xmx64m", "-Dapi.token=hunter4", "-Dplain=visible")
            .build()
            .toString();
    assertFalse(text.contains("hunter"), text);
    assertTrue(text.startsWith("PoolConfig{name=p, children="), text);
    assertTrue(text.contains("PROCPOOL_DB_PASSWORD=<masked>"), text);
    assertTrue(text.contains("-Dapi.token=<masked>"), text);
    assertTrue(text.contains("-Dplain=visible"), text);
    assertTrue(text.contains("-Xmx64m"), text);
  }

  @Test
  void toBuilder_roundTrip_keepsEverySetting() {
    PoolConfig config =
        PoolConfig.builder()
            .name("p")
            .children(2)
            .maxChildren(5)
            .queueCapacity(7)
            .jobTimeout(Duration.ofSeconds(2))
            .childJvmOptions("-Xmx64m")
            .childClasspath(List.of(Path.of("handlers.jar")))
            .childEnvironment("A", "b")
            .retryableJobTypes("r")
            .maxJobsPerChild(100)
            .recycleAboveHeapBytes(1 << 20)
            .childClassDataDirectory(Path.of("cds"))
            .slowJobThreshold(Duration.ofSeconds(1))
            .deadlineAdmission(true)
            .jobAccounting(false)
            .pipelining(false)
            .build();
    PoolConfig copy = config.toBuilder().build();
    assertEquals(config.describe(), copy.describe());
    assertEquals(config.toString(), copy.toString());
    assertEquals(config.childEnvironment(), copy.childEnvironment());
  }

  @Test
  void toBuilder_staticPool_staysStaticWhenChildrenChange() {
    PoolConfig variant = PoolConfig.builder().children(2).build().toBuilder().children(4).build();
    assertEquals(4, variant.maxChildren());
  }

  @Test
  void toBuilder_variant_leavesTheOriginalAlone() {
    PoolConfig config = PoolConfig.builder().name("p").childJvmOptions("-Xmx64m").build();
    PoolConfig variant = config.toBuilder().childJvmOptions("-Xmx128m").build();
    assertEquals(List.of("-Xmx64m"), config.childJvmOptions());
    assertEquals(List.of("-Xmx128m"), variant.childJvmOptions());
  }
}
