package dev.procpool.spring;

import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns {@link ProcpoolProperties} into a {@link PoolConfig}: set properties only, so unset ones
 * keep the library's defaults. One line per setting, in the builder's order.
 */
final class PoolConfigFactory {
  private PoolConfigFactory() {}

  /**
   * @param executors finds the {@code procpool.callback-executor} bean by name
   */
  static PoolConfig build(
      ProcpoolProperties p,
      Duration drainTimeout,
      MeterRegistry registry,
      Function<String, Executor> executors) {
    PoolConfigBuilder b = PoolConfig.builder().name(p.getName()).drainTimeout(drainTimeout);
    ifSet(p.getChildren(), b::children);
    ifSet(p.getQueueCapacity(), b::queueCapacity);
    ifSet(p.getJobTimeout(), b::jobTimeout);
    b.childJvmOptions(p.getChildJvmOptions().toArray(new String[0]));
    b.childClasspath(p.getChildClasspath());
    b.childClasspathOverride(p.getChildClasspathOverride());
    ifSet(p.getMaxJobsPerChild(), b::maxJobsPerChild);
    ifSet(p.getMaxFrameBytes(), size -> b.maxFrameBytes(Math.toIntExact(size.toBytes())));
    ifSet(p.getStartTimeout(), b::startTimeout);
    ifSet(p.getSpawnFailureLimit(), b::spawnFailureLimit);
    ifSet(p.getCallbackExecutor(), name -> b.callbackExecutor(executors.apply(name)));
    ifSet(p.getJavaExecutable(), b::javaExecutable);
    p.getChildEnvironment().forEach(b::childEnvironment);
    ifSet(registry, b::meterRegistry);
    b.retryableJobTypes(p.getRetryableJobTypes().toArray(new String[0]));
    ifSet(p.getMaxAttempts(), b::maxAttempts);
    ifSet(p.getRecycleAboveHeapBytes(), size -> b.recycleAboveHeapBytes(size.toBytes()));
    ifSet(p.getRecycleAboveRssBytes(), size -> b.recycleAboveRssBytes(size.toBytes()));
    ifSet(p.getMaxChildren(), b::maxChildren);
    ifSet(p.getChildIdleTimeout(), b::childIdleTimeout);
    ifSet(p.getChildClassDataDirectory(), b::childClassDataDirectory);
    ifSet(p.getSlowJobThreshold(), b::slowJobThreshold);
    ifSet(p.getDeadlineAdmission(), b::deadlineAdmission);
    ifSet(p.getJobAccounting(), b::jobAccounting);
    ifSet(p.getPipelining(), b::pipelining);
    return b.build();
  }

  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
