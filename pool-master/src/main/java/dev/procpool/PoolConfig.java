package dev.procpool;

import java.nio.file.Path;
import java.time.Duration;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything a pool is started with. Immutable; made by {@link Builder}, which checks each value
 * as it is set ({@link IllegalArgumentException} naming the field and the value) and the
 * combinations in {@link Builder#build()} ({@link IllegalStateException}). Nothing is clamped.
 *
 * @param name prefix of every log line and error message of this pool
 * @param children how many child JVMs run at once
 * @param queueCapacity how many jobs may wait for a child; one more is refused with {@code QUEUE_FULL}
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
 * @param maxChildren the most children the pool grows to while jobs wait (dynamic sizing); equal
 *     to {@code children} for a static pool
 * @param childIdleTimeout how long a child above {@code children} may sit idle before it is retired
 * @param classDataDirectory where the children's AppCDS archive is kept, or null for none
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

  /** Only {@link Builder#build()} makes one, after validating every setting. */
  private PoolConfig(
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
      Path classDataDirectory) {
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

  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();


  public static Builder builder() {
    return new Builder();
  }

  /** Collects settings; not thread-safe. Defaults are listed on each setter. */
  public static final class Builder {
    private String name;
    private int children = Runtime.getRuntime().availableProcessors();
    private int queueCapacity = 100_000;
    private Duration jobTimeout = Duration.ofSeconds(60);
    private final List<String> childJvmOptions = new ArrayList<>();
    private final List<Path> childClasspath = new ArrayList<>();
    private final List<Path> childClasspathOverride = new ArrayList<>();
    private long maxJobsPerChild;
    private int maxFrameBytes = 16 * 1024 * 1024;
    private Duration startTimeout = Duration.ofSeconds(30);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private int spawnFailureLimit = 5;
    private Executor callbackExecutor = ForkJoinPool.commonPool();
    private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
    private final Map<String, String> childEnvironment = new LinkedHashMap<>();
    private MeterRegistry meterRegistry;
    private final Set<String> retryableJobTypes = new LinkedHashSet<>();
    private int maxAttempts = 3;
    private long recycleAboveHeapBytes;
    private long recycleAboveRssBytes;
    private Integer maxChildren;
    private Duration childIdleTimeout = Duration.ofSeconds(30);
    private Path classDataDirectory;

    Builder() {}

    /** Prefix of log lines and messages. Default: {@code pool-<n>}. */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank: '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** How many child JVMs. Default: the number of available processors. */
    public Builder children(int children) {
      if (children < 1) {
        throw new IllegalArgumentException("children must be >= 1: " + children);
      }
      this.children = children;
      return this;
    }

    /**
     * How many jobs may wait for a child; 0 means only jobs a free child can take at once.
     * Default 100,000: bounded, yet roomy enough for bursts (the server's default is 10,000).
     */
    public Builder queueCapacity(int queueCapacity) {
      if (queueCapacity < 0) {
        throw new IllegalArgumentException("queueCapacity must be >= 0: " + queueCapacity);
      }
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * The longest a job may run once a child has started it. Then its future fails with {@code
     * JOB_TIMEOUT} and the child is killed and replaced. Time spent queued does not count. Default
     * 60 s; a job can set its own with {@link Job#withTimeout}.
     */
    public Builder jobTimeout(Duration jobTimeout) {
      this.jobTimeout = positive("jobTimeout", jobTimeout);
      return this;
    }

    /** Options for each child's JVM, such as {@code -Xmx256m}. Replaces earlier calls. */
    public Builder childJvmOptions(String... options) {
      childJvmOptions.clear();
      for (String option : options) {
        Objects.requireNonNull(option, "childJvmOptions element");
        childJvmOptions.add(option);
      }
      return this;
    }

    /**
     * Jars or directories with more {@code JobHandler}s, appended to the class path procpool works
     * out for the children (the master's own: plain class path, exploded directories, a
     * {@code Class-Path} manifest, a custom class loader, or a Spring Boot executable jar).
     * Replaces earlier calls.
     */
    public Builder childClasspath(List<Path> entries) {
      copyPaths("childClasspath", entries, childClasspath);
      return this;
    }

    /**
     * The children's whole class path, for a launcher procpool cannot read: it must hold
     * procpool-child, procpool-protocol, protobuf-java and the handlers. procpool then works out
     * nothing and adds nothing but {@link #childClasspath}. Default: empty, worked out.
     */
    public Builder childClasspathOverride(List<Path> entries) {
      copyPaths("childClasspathOverride", entries, childClasspathOverride);
      return this;
    }

    private static void copyPaths(String field, List<Path> from, List<Path> to) {
      List<Path> copy = new ArrayList<>();
      for (Path entry : Objects.requireNonNull(from, field)) {
        copy.add(Objects.requireNonNull(entry, field + " element").toAbsolutePath());
      }
      to.clear();
      to.addAll(copy);
    }

    /** Replace a child after this many jobs (a cure for slow leaks in handler code); 0 = never. Default 0. */
    public Builder maxJobsPerChild(long maxJobsPerChild) {
      if (maxJobsPerChild < 0) {
        throw new IllegalArgumentException("maxJobsPerChild must be >= 0: " + maxJobsPerChild);
      }
      this.maxJobsPerChild = maxJobsPerChild;
      return this;
    }

    /** The largest frame either side may send. Default 16 MiB. */
    public Builder maxFrameBytes(int maxFrameBytes) {
      if (maxFrameBytes < 1024) {
        throw new IllegalArgumentException("maxFrameBytes must be >= 1024: " + maxFrameBytes);
      }
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    /** How long a child may take to start and say hello before it is killed. Default 30 s. */
    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = positive("startTimeout", startTimeout);
      return this;
    }

    /** How long {@code close()} waits for queued and running jobs. Default 30 s. */
    public Builder drainTimeout(Duration drainTimeout) {
      Objects.requireNonNull(drainTimeout, "drainTimeout");
      if (drainTimeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must be >= 0: " + drainTimeout);
      }
      this.drainTimeout = drainTimeout;
      return this;
    }

    /** Failed child starts in a row before the pool fails jobs with {@code SPAWN_FAILED}. Default 5. */
    public Builder spawnFailureLimit(int spawnFailureLimit) {
      if (spawnFailureLimit < 1) {
        throw new IllegalArgumentException("spawnFailureLimit must be >= 1: " + spawnFailureLimit);
      }
      this.spawnFailureLimit = spawnFailureLimit;
      return this;
    }

    /**
     * Where futures are completed. Dependent stages ({@code thenApply}...) run there too, so it
     * must not be the pool's event loop. Default: {@link ForkJoinPool#commonPool()}.
     */
    public Builder callbackExecutor(Executor callbackExecutor) {
      this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
      return this;
    }

    /** The {@code java} launcher for children. Default: the one running the master. */
    public Builder javaExecutable(Path javaExecutable) {
      this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
      return this;
    }

    /**
     * Adds a variable to every child's environment. A child with {@code PROCPOOL_DB_URL} (and
     * optionally {@code PROCPOOL_DB_USER}, {@code PROCPOOL_DB_PASSWORD}) opens a one-connection
     * pool that handlers reach through {@code ChildContext.dataSource()}.
     */
    public Builder childEnvironment(String name, String value) {
      Objects.requireNonNull(name, "childEnvironment name");
      Objects.requireNonNull(value, "childEnvironment value");
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("childEnvironment name must be non-empty without '=': '" + name + "'");
      }
      childEnvironment.put(name, value);
      return this;
    }

    /**
     * Registers the pool's meters (queue depth, busy and idle children, jobs by outcome, wait and
     * run timers) with this registry. Default: none.
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Job types that are idempotent, so safe to run again: when a child dies while running one
     * (signal, exit, out of memory), the job returns to the head of the queue instead of failing,
     * up to {@link #maxAttempts} runs in all. Other jobs never run twice. Replaces earlier calls.
     */
    public Builder retryableJobTypes(String... types) {
      retryableJobTypes.clear();
      for (String type : types) {
        Objects.requireNonNull(type, "retryableJobTypes element");
        if (type.isEmpty()) {
          throw new IllegalArgumentException("retryableJobTypes must not contain an empty type");
        }
        retryableJobTypes.add(type);
      }
      return this;
    }

    /**
     * How many runs a retryable job gets; a job whose child died on every one of them is a poison
     * job: it fails with {@code POISON_JOB} and is never run again. Default 3.
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Replaces a child whose heap in use after its last garbage collection (what survives, so
     * leaks and not garbage), as reported with its replies, passes this many bytes: a cure for
     * handler code that leaks. Each child's limit is jittered down by up to 10%, so children
     * that grow alike do not all leave at once. Lossless: the replacement starts first, and the old
     * child leaves only when the replacement is ready and it is idle. 0 = never (default).
     */
    public Builder recycleAboveHeapBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("recycleAboveHeapBytes must be >= 0: " + bytes);
      }
      this.recycleAboveHeapBytes = bytes;
      return this;
    }

    /** Like {@link #recycleAboveHeapBytes} for the child's resident set size (native leaks too). */
    public Builder recycleAboveRssBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("recycleAboveRssBytes must be >= 0: " + bytes);
      }
      this.recycleAboveRssBytes = bytes;
      return this;
    }

    /**
     * Dynamic sizing, like PHP-FPM's dynamic mode: the pool starts {@code children} and grows up to
     * this many while jobs wait for a child, then retires children above {@code children} that sat
     * idle for {@link #childIdleTimeout}. Default: equal to {@code children} (a static pool).
     */
    public Builder maxChildren(int maxChildren) {
      if (maxChildren < 1) {
        throw new IllegalArgumentException("maxChildren must be >= 1: " + maxChildren);
      }
      this.maxChildren = maxChildren;
      return this;
    }

    /** How long an extra child (above {@code children}) may be idle before it leaves. Default 30 s. */
    public Builder childIdleTimeout(Duration childIdleTimeout) {
      this.childIdleTimeout = positive("childIdleTimeout", childIdleTimeout);
      return this;
    }

    /**
     * Keep an AppCDS archive of the children's classes in this directory: the first child records
     * it (written when that child exits normally), later children start from it, about a third
     * faster. Needs a class path of jars only (as when running from procpool.jar). Default: none.
     */
    public Builder childClassDataDirectory(Path directory) {
      this.classDataDirectory = Objects.requireNonNull(directory, "childClassDataDirectory").toAbsolutePath();
      return this;
    }

    /** Checks the settings together and freezes them. */
    public PoolConfig build() {
      int max = maxChildren != null ? maxChildren : children;
      if (children > max) {
        throw new IllegalStateException("children (" + children + ") must be <= maxChildren (" + max + ")");
      }
      String poolName = name != null ? name : "pool-" + POOL_NUMBER.incrementAndGet();
      return new PoolConfig(
          poolName,
          children,
          queueCapacity,
          jobTimeout,
          childJvmOptions,
          childClasspath,
          childClasspathOverride,
          maxJobsPerChild,
          maxFrameBytes,
          startTimeout,
          drainTimeout,
          spawnFailureLimit,
          callbackExecutor,
          javaExecutable,
          childEnvironment,
          meterRegistry,
          retryableJobTypes,
          maxAttempts,
          recycleAboveHeapBytes,
          recycleAboveRssBytes,
          max,
          childIdleTimeout,
          classDataDirectory);
    }

    /**
     * Builds the configuration and starts a pool with it; returns once every child is ready.
     *
     * @throws PoolException with {@code SPAWN_FAILED} if the children cannot be started
     */
    public ProcessPool start() {
      return ProcessPool.start(build());
    }

    private static Duration positive(String field, Duration value) {
      Objects.requireNonNull(value, field);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(field + " must be > 0: " + value);
      }
      return value;
    }
  }
}
