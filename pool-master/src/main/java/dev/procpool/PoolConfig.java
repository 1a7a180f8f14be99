package dev.procpool;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Everything a pool is started with. Immutable; made by {@link PoolConfigBuilder}, which checks
 * each value as it is set ({@link IllegalArgumentException} naming the field and the value) and the
 * combinations in {@link PoolConfigBuilder#build()} ({@link IllegalStateException}). Nothing is
 * clamped.
 *
 * @param name prefix of every log line and error message of this pool
 * @param children how many child JVMs run at once
 * @param queueCapacity how many jobs may wait for a child; one more is refused with {@code
 *     QUEUE_FULL}
 * @param jobTimeout the longest a job may run in a child before the child is killed
 * @param childJvmOptions options for each child's {@code java} command, before the main class
 * @param childClasspath entries appended to the class path procpool works out for the children
 * @param childClasspathOverride the children's whole class path, for launchers procpool cannot
 *     read; empty (the default) means procpool works it out from how the master was started
 * @param maxJobsPerChild a child is replaced after this many jobs; 0 means never
 * @param maxFrameBytes the largest message either side may send (payloads and results must fit)
 * @param startTimeout how long a child may take from spawn to ready (handlers opened, hello sent)
 * @param drainTimeout how long {@link ProcessPool#close()} lets queued and running jobs finish
 * @param spawnFailureLimit failed starts in a row after which the pool reports itself unhealthy
 * @param callbackExecutor where job futures are completed (and so where dependent stages run)
 * @param javaExecutable the {@code java} launcher for the children
 * @param childEnvironment variables added to each child's environment (secrets go here, never in
 *     JVM options: other local users can read a command line)
 * @param meterRegistry where the pool's meters are registered; null for none
 * @param retryableJobTypes job types that are safe to run twice (idempotent): when a child dies
 *     running one, the job goes back to the head of the queue
 * @param maxAttempts runs a retryable job gets before it is quarantined as {@code POISON_JOB}
 * @param recycleAboveHeapBytes replace a child whose heap in use after a job passes this; 0 = never
 * @param recycleAboveRssBytes replace a child whose resident memory passes this; 0 = never
 * @param maxChildren the most children the pool grows to while jobs wait (dynamic sizing); equal to
 *     {@code children} for a static pool
 * @param childIdleTimeout how long a child above {@code children} may sit idle before it is retired
 * @param classDataDirectory where the children's AppCDS archive is kept, or null for none
 * @param slowJobThreshold a job still running past this has its stack logged once, or null
 * @param deadlineAdmission refuse at submit a job whose expected wait exceeds its deadline
 * @param pipelining send each busy child one queued job ahead, waiting behind its running one
 */
public final class PoolConfig {
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
  private final MeterRegistry meterRegistry;
  private final Set<String> retryableJobTypes;
  private final int maxAttempts;
  private final long recycleAboveHeapBytes;
  private final long recycleAboveRssBytes;
  private final int maxChildren;
  private final Duration childIdleTimeout;
  private final Path classDataDirectory;
  private final Duration slowJobThreshold;
  private final boolean deadlineAdmission;
  private final boolean jobAccounting;
  private final boolean pipelining;
  private final Object tracing;

  /** Only {@link PoolConfigBuilder#build()} makes one, after validating every setting. */
  PoolConfig(
      String name,
      int children,
      int queueCapacity,
      Duration jobTimeout,
      List<String> childJvmOptions,
      List<Path> childClasspath,
      List<Path> childClasspathOverride,
      long maxJobsPerChild,
      int maxFrameBytes,
      Duration startTimeout,
      Duration drainTimeout,
      int spawnFailureLimit,
      Executor callbackExecutor,
      Path javaExecutable,
      Map<String, String> childEnvironment,
      MeterRegistry meterRegistry,
      Set<String> retryableJobTypes,
      int maxAttempts,
      long recycleAboveHeapBytes,
      long recycleAboveRssBytes,
      int maxChildren,
      Duration childIdleTimeout,
      Path classDataDirectory,
      Duration slowJobThreshold,
      boolean deadlineAdmission,
      boolean jobAccounting,
      boolean pipelining,
      Object tracing) {
    this.name = name;
    this.children = children;
    this.queueCapacity = queueCapacity;
    this.jobTimeout = jobTimeout;
    this.childJvmOptions = List.copyOf(childJvmOptions);
    this.childClasspath = List.copyOf(childClasspath);
    this.childClasspathOverride = List.copyOf(childClasspathOverride);
    this.maxJobsPerChild = maxJobsPerChild;
    this.maxFrameBytes = maxFrameBytes;
    this.startTimeout = startTimeout;
    this.drainTimeout = drainTimeout;
    this.spawnFailureLimit = spawnFailureLimit;
    this.callbackExecutor = callbackExecutor;
    this.javaExecutable = javaExecutable;
    this.childEnvironment = Map.copyOf(childEnvironment);
    this.meterRegistry = meterRegistry;
    this.retryableJobTypes = Set.copyOf(retryableJobTypes);
    this.maxAttempts = maxAttempts;
    this.recycleAboveHeapBytes = recycleAboveHeapBytes;
    this.recycleAboveRssBytes = recycleAboveRssBytes;
    this.maxChildren = maxChildren;
    this.childIdleTimeout = childIdleTimeout;
    this.classDataDirectory = classDataDirectory;
    this.slowJobThreshold = slowJobThreshold;
    this.deadlineAdmission = deadlineAdmission;
    this.jobAccounting = jobAccounting;
    this.pipelining = pipelining;
    this.tracing = tracing;
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

  public List<Path> childClasspathOverride() {
    return childClasspathOverride;
  }

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

  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  public Set<String> retryableJobTypes() {
    return retryableJobTypes;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public long recycleAboveHeapBytes() {
    return recycleAboveHeapBytes;
  }

  public long recycleAboveRssBytes() {
    return recycleAboveRssBytes;
  }

  public int maxChildren() {
    return maxChildren;
  }

  public Duration childIdleTimeout() {
    return childIdleTimeout;
  }

  public Path classDataDirectory() {
    return classDataDirectory;
  }

  /** A job still running past this gets its child's job-thread stack logged once; null for none. */
  public Duration slowJobThreshold() {
    return slowJobThreshold;
  }

  /**
   * Whether {@code submit} refuses a job whose expected queue wait already exceeds its deadline.
   */
  public boolean deadlineAdmission() {
    return deadlineAdmission;
  }

  /** Whether children measure each job's CPU time and allocated bytes. */
  public boolean jobAccounting() {
    return jobAccounting;
  }

  /**
   * Whether busy children are sent one queued job ahead (see {@link PoolConfigBuilder#pipelining}).
   */
  public boolean pipelining() {
    return pipelining;
  }

  /**
   * What traces each job: an {@code io.opentelemetry.api.OpenTelemetry} or a Micrometer {@code
   * ObservationRegistry}, or null when tracing is off.
   */
  public Object tracing() {
    return tracing;
  }

  /** A builder with the defaults. */
  public static PoolConfigBuilder builder() {
    return new PoolConfigBuilder();
  }
}
