package dev.procpool;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * Everything a pool is started with. Immutable; made only by {@link PoolConfigBuilder#build()},
 * which copies the builder's checked settings (so each getter has its setter's name and Javadoc).
 * {@link #toBuilder()} makes a variant; {@link #toString()} lists every setting with secrets
 * masked, for the start-up log line.
 *
 * <p>No getter returns null. Off is zero: a limit that can be off ({@code maxJobsPerChild}, {@code
 * recycleAbove*Bytes}, {@code slowJobThreshold}) is 0 or {@link Duration#ZERO} when off; something
 * that may be absent ({@code meterRegistry}, {@code childClassDataDirectory}) is an {@link
 * Optional}.
 */
public final class PoolConfig {
  /** JVM options whose value is shown masked, e.g. {@code -Ddb.password=...}. */
  private static final Pattern SECRET_OPTION =
      Pattern.compile("(?i)(-D[^=]*(password|secret|token|credential|key)[^=]*=).*");

  private static final String MASKED = "<masked>";

  private final String name;
  private final int children;
  private final int queueCapacity;
  private final Duration jobTimeout;
  private final List<String> childJvmOptions;
  private final List<Path> childClasspath;
  private final List<Path> childClasspathOverride;
  private final long maxJobsPerChild;
  private final int maxFrameBytes;
  private final Duration startTimeout;
  private final Duration drainTimeout;
  private final int spawnFailureLimit;
  private final Executor callbackExecutor;
  private final Path javaExecutable;
  private final Map<String, String> childEnvironment;
  private final Optional<MeterRegistry> meterRegistry;
  private final Set<String> retryableJobTypes;
  private final int maxAttempts;
  private final long recycleAboveHeapBytes;
  private final long recycleAboveRssBytes;
  private final int maxChildren;
  private final Duration childIdleTimeout;
  private final Optional<Path> childClassDataDirectory;
  private final Duration slowJobThreshold;
  private final boolean deadlineAdmission;
  private final boolean jobAccounting;
  private final boolean pipelining;

  /** Only {@link PoolConfigBuilder#build()} makes one, after checking every setting. */
  PoolConfig(PoolConfigBuilder b, String name, int maxChildren) {
    this.name = name;
    this.children = b.children;
    this.queueCapacity = b.queueCapacity;
    this.jobTimeout = b.jobTimeout;
    this.childJvmOptions = List.copyOf(b.childJvmOptions);
    this.childClasspath = List.copyOf(b.childClasspath);
    this.childClasspathOverride = List.copyOf(b.childClasspathOverride);
    this.maxJobsPerChild = b.maxJobsPerChild;
    this.maxFrameBytes = b.maxFrameBytes;
    this.startTimeout = b.startTimeout;
    this.drainTimeout = b.drainTimeout;
    this.spawnFailureLimit = b.spawnFailureLimit;
    this.callbackExecutor = b.callbackExecutor;
    this.javaExecutable = b.javaExecutable;
    // Insertion order kept (Map.copyOf would not), so toString() is stable.
    this.childEnvironment =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.childEnvironment));
    this.meterRegistry = Optional.ofNullable(b.meterRegistry);
    this.retryableJobTypes =
        java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(b.retryableJobTypes));
    this.maxAttempts = b.maxAttempts;
    this.recycleAboveHeapBytes = b.recycleAboveHeapBytes;
    this.recycleAboveRssBytes = b.recycleAboveRssBytes;
    this.maxChildren = maxChildren;
    this.childIdleTimeout = b.childIdleTimeout;
    this.childClassDataDirectory = Optional.ofNullable(b.childClassDataDirectory);
    this.slowJobThreshold = b.slowJobThreshold;
    this.deadlineAdmission = b.deadlineAdmission;
    this.jobAccounting = b.jobAccounting;
    this.pipelining = b.pipelining;
  }

  /** A builder with the defaults. */
  public static PoolConfigBuilder builder() {
    return new PoolConfigBuilder();
  }

  /**
   * A builder holding every setting of this config, to make a variant (OkHttp's {@code
   * newBuilder()}). It keeps the name; a static pool ({@code maxChildren == children}) stays static
   * when the variant changes {@code children}.
   */
  public PoolConfigBuilder toBuilder() {
    PoolConfigBuilder b = new PoolConfigBuilder();
    b.name = name;
    b.children = children;
    b.queueCapacity = queueCapacity;
    b.jobTimeout = jobTimeout;
    b.childJvmOptions.addAll(childJvmOptions);
    b.childClasspath.addAll(childClasspath);
    b.childClasspathOverride.addAll(childClasspathOverride);
    b.maxJobsPerChild = maxJobsPerChild;
    b.maxFrameBytes = maxFrameBytes;
    b.startTimeout = startTimeout;
    b.drainTimeout = drainTimeout;
    b.spawnFailureLimit = spawnFailureLimit;
    b.callbackExecutor = callbackExecutor;
    b.javaExecutable = javaExecutable;
    b.childEnvironment.putAll(childEnvironment);
    b.meterRegistry = meterRegistry.orElse(null);
    b.retryableJobTypes.addAll(retryableJobTypes);
    b.maxAttempts = maxAttempts;
    b.recycleAboveHeapBytes = recycleAboveHeapBytes;
    b.recycleAboveRssBytes = recycleAboveRssBytes;
    b.maxChildren = maxChildren == children ? null : maxChildren;
    b.childIdleTimeout = childIdleTimeout;
    b.childClassDataDirectory = childClassDataDirectory.orElse(null);
    b.slowJobThreshold = slowJobThreshold;
    b.deadlineAdmission = deadlineAdmission;
    b.jobAccounting = jobAccounting;
    b.pipelining = pipelining;
    return b;
  }

  /**
   * Every setting by its builder name, in the builder's order, as it should be logged: the values
   * of {@code childEnvironment} and of secret-looking {@code -D} options are masked (HikariCP logs
   * its config the same way).
   */
  Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("name", name);
    d.put("children", children);
    d.put("queueCapacity", queueCapacity);
    d.put("jobTimeout", jobTimeout);
    d.put("childJvmOptions", childJvmOptions.stream().map(PoolConfig::maskOption).toList());
    d.put("childClasspath", childClasspath);
    d.put("childClasspathOverride", childClasspathOverride);
    d.put("maxJobsPerChild", maxJobsPerChild);
    d.put("maxFrameBytes", maxFrameBytes);
    d.put("startTimeout", startTimeout);
    d.put("drainTimeout", drainTimeout);
    d.put("spawnFailureLimit", spawnFailureLimit);
    d.put("callbackExecutor", callbackExecutor.getClass().getName());
    d.put("javaExecutable", javaExecutable);
    Map<String, String> environment = new LinkedHashMap<>();
    childEnvironment.keySet().forEach(key -> environment.put(key, MASKED));
    d.put("childEnvironment", environment);
    d.put("meterRegistry", meterRegistry.map(r -> r.getClass().getSimpleName()).orElse("none"));
    d.put("retryableJobTypes", retryableJobTypes);
    d.put("maxAttempts", maxAttempts);
    d.put("recycleAboveHeapBytes", recycleAboveHeapBytes);
    d.put("recycleAboveRssBytes", recycleAboveRssBytes);
    d.put("maxChildren", maxChildren);
    d.put("childIdleTimeout", childIdleTimeout);
    d.put("childClassDataDirectory", childClassDataDirectory.map(Object::toString).orElse("none"));
    d.put("slowJobThreshold", slowJobThreshold);
    d.put("deadlineAdmission", deadlineAdmission);
    d.put("jobAccounting", jobAccounting);
    d.put("pipelining", pipelining);
    return d;
  }

  private static String maskOption(String option) {
    var m = SECRET_OPTION.matcher(option);
    return m.matches() ? m.group(1) + MASKED : option;
  }

  /** {@code PoolConfig{name=pool-1, children=2, ...}}: every setting, secrets masked. */
  @Override
  public String toString() {
    return "PoolConfig" + describe().toString();
  }

  public String name() {
    return name;
  }

  public int children() {
    return children;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  public Duration jobTimeout() {
    return jobTimeout;
  }

  public List<String> childJvmOptions() {
    return childJvmOptions;
  }

  public List<Path> childClasspath() {
    return childClasspath;
  }

  /** Empty (the default) means procpool works the children's class path out. */
  public List<Path> childClasspathOverride() {
    return childClasspathOverride;
  }

  /** 0 = never. */
  public long maxJobsPerChild() {
    return maxJobsPerChild;
  }

  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  public Duration startTimeout() {
    return startTimeout;
  }

  public Duration drainTimeout() {
    return drainTimeout;
  }

  public int spawnFailureLimit() {
    return spawnFailureLimit;
  }

  public Executor callbackExecutor() {
    return callbackExecutor;
  }

  public Path javaExecutable() {
    return javaExecutable;
  }

  public Map<String, String> childEnvironment() {
    return childEnvironment;
  }

  public Optional<MeterRegistry> meterRegistry() {
    return meterRegistry;
  }

  public Set<String> retryableJobTypes() {
    return retryableJobTypes;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** 0 = never. */
  public long recycleAboveHeapBytes() {
    return recycleAboveHeapBytes;
  }

  /** 0 = never. */
  public long recycleAboveRssBytes() {
    return recycleAboveRssBytes;
  }

  /** Equal to {@link #children()} for a static pool. */
  public int maxChildren() {
    return maxChildren;
  }

  public Duration childIdleTimeout() {
    return childIdleTimeout;
  }

  public Optional<Path> childClassDataDirectory() {
    return childClassDataDirectory;
  }

  /** {@link Duration#ZERO} = never. */
  public Duration slowJobThreshold() {
    return slowJobThreshold;
  }

  public boolean deadlineAdmission() {
    return deadlineAdmission;
  }

  public boolean jobAccounting() {
    return jobAccounting;
  }

  public boolean pipelining() {
    return pipelining;
  }
}
