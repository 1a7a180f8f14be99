package dev.procpool.spring;

import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Turns {@link ProcpoolProperties} into a {@link PoolConfig}: set properties only, so unset ones
 * keep the library's defaults.
 */
final class PoolConfigFactory {
  private PoolConfigFactory() {}

  static PoolConfig build(ProcpoolProperties p, Duration drainTimeout, MeterRegistry registry) {
    return build(p, drainTimeout, registry, null);
  }

  /**
   * With {@code observations} (Boot's, when Actuator made one), each job is an observation: with a
   * tracing bridge it is a span, its context carried into the child.
   */
  static PoolConfig build(
      ProcpoolProperties p,
      Duration drainTimeout,
      MeterRegistry registry,
      io.micrometer.observation.ObservationRegistry observations) {
    PoolConfigBuilder b = PoolConfig.builder().name(p.getName()).drainTimeout(drainTimeout);
    ifSet(p.getChildren(), b::children);
    ifSet(p.getMaxChildren(), b::maxChildren);
    ifSet(p.getChildIdleTimeout(), b::childIdleTimeout);
    ifSet(p.getQueueCapacity(), b::queueCapacity);
    ifSet(p.getJobTimeout(), b::jobTimeout);
    b.childJvmOptions(p.getChildJvmOptions().toArray(new String[0]));
    b.childClasspath(p.getChildClasspath());
    b.childClasspathOverride(p.getChildClasspathOverride());
    ifSet(p.getMaxJobsPerChild(), b::maxJobsPerChild);
    ifSet(p.getMaxFrameSize(), size -> b.maxFrameBytes(Math.toIntExact(size.toBytes())));
    ifSet(p.getStartTimeout(), b::startTimeout);
    ifSet(p.getSpawnFailureLimit(), b::spawnFailureLimit);
    ifSet(p.getJavaExecutable(), b::javaExecutable);
    p.getChildEnvironment().forEach(b::childEnvironment);
    b.retryableJobTypes(p.getRetryableJobTypes().toArray(new String[0]));
    ifSet(p.getMaxAttempts(), b::maxAttempts);
    ifSet(p.getRecycleAboveHeap(), size -> b.recycleAboveHeapBytes(size.toBytes()));
    ifSet(p.getRecycleAboveRss(), size -> b.recycleAboveRssBytes(size.toBytes()));
    ifSet(p.getClassDataDirectory(), b::childClassDataDirectory);
    b.pipelining(p.isPipelining());
    if (registry != null) {
      b.meterRegistry(registry);
    }
    if (observations != null && !observations.isNoop()) {
      b.tracing(observations);
    }
    return b.build();
  }

  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
