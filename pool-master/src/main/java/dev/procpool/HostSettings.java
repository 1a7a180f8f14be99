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
        config.childClassDataDirectory().orElse(null),
        config.callbackExecutor(),
        profile(config.sandbox()));
  }

  private static dev.procpool.internal.launch.sandbox.SandboxProfile profile(Sandbox s) {
    return new dev.procpool.internal.launch.sandbox.SandboxProfile(
        s.enabled(),
        s.hostNetwork(),
        s.readOnly(),
        s.writable(),
        s.tmpSizeBytes(),
        s.maxProcesses(),
        s.memoryBytes(),
        s.maxOpenFiles(),
        s.bwrap(),
        s.cgroupParent(),
        s.settings());
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
    return EngineSettings.builder()
        .poolName(c.name())
        .children(c.children())
        .maxChildren(c.maxChildren())
        .childIdleTimeoutNanos(c.childIdleTimeout().toNanos())
        .maxJobsPerChild(c.maxJobsPerChild())
        .startTimeoutNanos(c.startTimeout().toNanos())
        .spawnFailureLimit(c.spawnFailureLimit())
        .recycleAboveHeapBytes(c.recycleAboveHeapBytes())
        .recycleAboveRssBytes(c.recycleAboveRssBytes())
        .retryableJobTypes(c.retryableJobTypes())
        .maxAttempts(c.maxAttempts())
        .memoryLimitBytes(MemoryLimit.bytes())
        .slowJobThresholdNanos(c.slowJobThreshold().toNanos())
        .pipelining(c.pipelining())
        .build();
  }
}
