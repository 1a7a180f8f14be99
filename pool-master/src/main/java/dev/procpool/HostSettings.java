package dev.procpool;

import dev.procpool.internal.engine.EngineSettings;
import dev.procpool.internal.host.PoolHost;
import dev.procpool.internal.launch.ChildEntryPoint;
import java.util.HashMap;
import java.util.Map;

/** A validated {@link PoolConfig} in the engine's and the host's terms (nanoseconds, bytes). */
final class HostSettings {
  private HostSettings() {}

  static PoolHost.Settings of(PoolConfig config) {
    return new PoolHost.Settings(
        engine(config),
        config.queueCapacity(),
        config.javaExecutable(),
        config.childJvmOptions(),
        ChildEntryPoint.resolve(
            config.childClasspathOverride(), config.childClasspath(), ProcessPool.class),
        config.maxFrameBytes(),
        childEnvironment(config),
        config.classDataDirectory(),
        config.callbackExecutor());
  }

  private static Map<String, String> childEnvironment(PoolConfig c) {
    if (c.jobAccounting()) {
      return c.childEnvironment();
    }
    Map<String, String> environment = new HashMap<>(c.childEnvironment());
    environment.put("PROCPOOL_JOB_ACCOUNTING", "off");
    return environment;
  }

  private static EngineSettings engine(PoolConfig c) {
    return new EngineSettings(
        c.name(),
        c.children(),
        c.maxChildren(),
        c.childIdleTimeout().toNanos(),
        c.maxJobsPerChild(),
        c.startTimeout().toNanos(),
        c.spawnFailureLimit(),
        c.recycleAboveHeapBytes(),
        c.recycleAboveRssBytes(),
        c.retryableJobTypes(),
        c.maxAttempts(),
        MemoryLimit.bytes(),
        c.slowJobThreshold() == null ? 0 : c.slowJobThreshold().toNanos(),
        c.pipelining());
  }
}
