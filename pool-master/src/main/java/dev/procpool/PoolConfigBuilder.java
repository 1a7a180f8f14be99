package dev.procpool;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects a pool's settings and checks each as it is set ({@link IllegalArgumentException} naming
 * the field and the value) and the combinations in {@link #build()} ({@link
 * IllegalStateException}). Nothing is clamped. Not thread-safe. Defaults are listed on each setter.
 */
public final class PoolConfigBuilder {
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

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
  private Duration slowJobThreshold;
  private boolean deadlineAdmission;
  private boolean jobAccounting = true;
  private boolean pipelining = true;
  private Object tracing;

  PoolConfigBuilder() {}

  /** Prefix of log lines and messages. Default: {@code pool-<n>}. */
  public PoolConfigBuilder name(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank: '" + name + "'");
    }
    this.name = name;
    return this;
  }

  /** How many child JVMs. Default: the number of available processors. */
  public PoolConfigBuilder children(int children) {
    if (children < 1) {
      throw new IllegalArgumentException("children must be >= 1: " + children);
    }
    this.children = children;
    return this;
  }

  /**
   * How many jobs may wait for a child; 0 means only jobs a free child can take at once. Default
   * 100,000: bounded, yet roomy enough for bursts (the server's default is 10,000).
   */
  public PoolConfigBuilder queueCapacity(int queueCapacity) {
    if (queueCapacity < 0) {
      throw new IllegalArgumentException("queueCapacity must be >= 0: " + queueCapacity);
    }
    this.queueCapacity = queueCapacity;
    return this;
  }

  /**
   * The longest a job may run once a child has started it. Then its future fails with {@code
   * JOB_TIMEOUT} and the child is killed and replaced. Time spent queued does not count. Default 60
   * s; a job can set its own with {@link Job#withTimeout}.
   */
  public PoolConfigBuilder jobTimeout(Duration jobTimeout) {
    this.jobTimeout = positive("jobTimeout", jobTimeout);
    return this;
  }

  /** Options for each child's JVM, such as {@code -Xmx256m}. Replaces earlier calls. */
  public PoolConfigBuilder childJvmOptions(String... options) {
    childJvmOptions.clear();
    for (String option : options) {
      Objects.requireNonNull(option, "childJvmOptions element");
      childJvmOptions.add(option);
    }
    return this;
  }

  /**
   * Jars or directories with more {@code JobHandler}s, appended to the class path procpool works
   * out for the children (the master's own: plain class path, exploded directories, a {@code
   * Class-Path} manifest, a custom class loader, or a Spring Boot executable jar). Replaces earlier
   * calls.
   */
  public PoolConfigBuilder childClasspath(List<Path> entries) {
    copyPaths("childClasspath", entries, childClasspath);
    return this;
  }

  /**
   * The children's whole class path, for a launcher procpool cannot read: it must hold
   * procpool-child, procpool-protocol, protobuf-java and the handlers. procpool then works out
   * nothing and adds nothing but {@link #childClasspath}. Default: empty, worked out.
   */
  public PoolConfigBuilder childClasspathOverride(List<Path> entries) {
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

  /**
   * Replace a child after this many jobs (a cure for slow leaks in handler code); 0 = never.
   * Default 0.
   */
  public PoolConfigBuilder maxJobsPerChild(long maxJobsPerChild) {
    if (maxJobsPerChild < 0) {
      throw new IllegalArgumentException("maxJobsPerChild must be >= 0: " + maxJobsPerChild);
    }
    this.maxJobsPerChild = maxJobsPerChild;
    return this;
  }

  /** The largest frame either side may send. Default 16 MiB. */
  public PoolConfigBuilder maxFrameBytes(int maxFrameBytes) {
    if (maxFrameBytes < 1024) {
      throw new IllegalArgumentException("maxFrameBytes must be >= 1024: " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    return this;
  }

  /** How long a child may take to start and say hello before it is killed. Default 30 s. */
  public PoolConfigBuilder startTimeout(Duration startTimeout) {
    this.startTimeout = positive("startTimeout", startTimeout);
    return this;
  }

  /** How long {@code close()} waits for queued and running jobs. Default 30 s. */
  public PoolConfigBuilder drainTimeout(Duration drainTimeout) {
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout must be >= 0: " + drainTimeout);
    }
    this.drainTimeout = drainTimeout;
    return this;
  }

  /**
   * Failed child starts in a row before the pool fails jobs with {@code SPAWN_FAILED}. Default 5.
   */
  public PoolConfigBuilder spawnFailureLimit(int spawnFailureLimit) {
    if (spawnFailureLimit < 1) {
      throw new IllegalArgumentException("spawnFailureLimit must be >= 1: " + spawnFailureLimit);
    }
    this.spawnFailureLimit = spawnFailureLimit;
    return this;
  }

  /**
   * Where futures are completed. Dependent stages ({@code thenApply}...) run there too, so it must
   * not be the pool's event loop. Default: {@link ForkJoinPool#commonPool()}.
   */
  public PoolConfigBuilder callbackExecutor(Executor callbackExecutor) {
    this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
    return this;
  }

  /** The {@code java} launcher for children. Default: the one running the master. */
  public PoolConfigBuilder javaExecutable(Path javaExecutable) {
    this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
    return this;
  }

  /**
   * Adds a variable to every child's environment. A child with {@code PROCPOOL_DB_URL} (and
   * optionally {@code PROCPOOL_DB_USER}, {@code PROCPOOL_DB_PASSWORD}) opens a one-connection pool
   * that handlers reach through {@code ChildContext.dataSource()}.
   */
  public PoolConfigBuilder childEnvironment(String name, String value) {
    Objects.requireNonNull(name, "childEnvironment name");
    Objects.requireNonNull(value, "childEnvironment value");
    if (name.isEmpty() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException(
          "childEnvironment name must be non-empty without '=': '" + name + "'");
    }
    childEnvironment.put(name, value);
    return this;
  }

  /**
   * Registers the pool's meters (queue depth, busy and idle children, jobs by outcome, wait and run
   * timers) with this registry. Default: none.
   */
  public PoolConfigBuilder meterRegistry(MeterRegistry meterRegistry) {
    this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
    return this;
  }

  /**
   * Job types that are idempotent, so safe to run again: when a child dies while running one
   * (signal, exit, out of memory), the job returns to the head of the queue instead of failing, up
   * to {@link #maxAttempts} runs in all. Other jobs never run twice. Replaces earlier calls.
   */
  public PoolConfigBuilder retryableJobTypes(String... types) {
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
  public PoolConfigBuilder maxAttempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    return this;
  }

  /**
   * Replaces a child whose heap in use after its last garbage collection (what survives, so leaks
   * and not garbage), as reported with its replies, passes this many bytes: a cure for handler code
   * that leaks. Each child's limit is jittered down by up to 10%, so children that grow alike do
   * not all leave at once. Lossless: the replacement starts first, and the old child leaves only
   * when the replacement is ready and it is idle. 0 = never (default).
   */
  public PoolConfigBuilder recycleAboveHeapBytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("recycleAboveHeapBytes must be >= 0: " + bytes);
    }
    this.recycleAboveHeapBytes = bytes;
    return this;
  }

  /** Like {@link #recycleAboveHeapBytes} for the child's resident set size (native leaks too). */
  public PoolConfigBuilder recycleAboveRssBytes(long bytes) {
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
  public PoolConfigBuilder maxChildren(int maxChildren) {
    if (maxChildren < 1) {
      throw new IllegalArgumentException("maxChildren must be >= 1: " + maxChildren);
    }
    this.maxChildren = maxChildren;
    return this;
  }

  /**
   * How long an extra child (above {@code children}) may be idle before it leaves. Default 30 s.
   */
  public PoolConfigBuilder childIdleTimeout(Duration childIdleTimeout) {
    this.childIdleTimeout = positive("childIdleTimeout", childIdleTimeout);
    return this;
  }

  /**
   * Keep an AppCDS archive of the children's classes in this directory: the first child records it
   * (written when that child exits normally), later children start from it, about a third faster.
   * Children on JDK 25 or newer ({@link #javaExecutable}) get an AOT cache instead, which also
   * carries method profiles: their hot path compiles sooner. Safe for pools sharing the directory.
   * Needs a class path of jars only (as when running from procpool.jar). Default: none.
   */
  public PoolConfigBuilder childClassDataDirectory(Path directory) {
    this.classDataDirectory =
        Objects.requireNonNull(directory, "childClassDataDirectory").toAbsolutePath();
    return this;
  }

  /**
   * A job still running past this gets its child's job-thread stack logged once (with the job's id
   * and type) while it runs on, like PHP-FPM's {@code request_slowlog_timeout}; counted in {@code
   * procpool.jobs.slow}. Default: none.
   */
  public PoolConfigBuilder slowJobThreshold(Duration threshold) {
    this.slowJobThreshold = positive("slowJobThreshold", threshold);
    return this;
  }

  /**
   * Each child measures every job's thread CPU time and allocated bytes (HotSpot's per-thread
   * counters) and reports them with the reply: {@code procpool.jobs.cpu}, {@code
   * procpool.jobs.allocated}, per child in the status. Default: true.
   */
  public PoolConfigBuilder jobAccounting(boolean measure) {
    this.jobAccounting = measure;
    return this;
  }

  /**
   * Refuse at {@code submit}, with {@code DEADLINE_EXCEEDED}, a job whose expected queue wait (from
   * the queue, the busy children and recent run times) already exceeds its deadline, instead of
   * queueing it to expire. Default: false (the server turns it on).
   */
  public PoolConfigBuilder deadlineAdmission(boolean refuse) {
    this.deadlineAdmission = refuse;
    return this;
  }

  /**
   * Pipelining: while jobs wait and no child is idle, send a busy child the next queued job ahead
   * of time, to wait in its socket behind the running one. The child starts it the moment it has
   * written its reply, instead of waiting a round trip for the master. A child still runs one job
   * at a time, and holds at most one waiting.
   *
   * <p>A job sent ahead still counts as queued (status, metrics, queue bound); its run time and
   * timeout start when it starts. Cancelling it, or its deadline passing, tells the child to skip
   * it; a child that becomes idle takes it back from a child still busy, so no job waits behind a
   * long one while a child is free. If its child dies, it returns to the head of the queue: it
   * never ran, so it is no attempt. A child without its control connection (its watchdog) is never
   * sent a job ahead. Default: true (it made 1 ms jobs ~5% faster under the peers' benchmark, and
   * no-op jobs no slower; see benchmarks/RESULTS.md).
   */
  public PoolConfigBuilder pipelining(boolean sendAhead) {
    this.pipelining = sendAhead;
    return this;
  }

  /**
   * Traces every job: a {@code procpool.job} span parented to the submitter's current context, with
   * its wait and run, and the context carried to the child, where a handler's own spans join it
   * ({@code docs/observability.md}). Give an {@code io.opentelemetry.api.OpenTelemetry} (the API is
   * an optional dependency) or a Micrometer {@code ObservationRegistry}; typed {@code Object} so
   * that a pool without OpenTelemetry never loads its classes. Also sets the children's {@code
   * PROCPOOL_OTEL=autoconfigure} (unless set already): a child that has the OpenTelemetry SDK
   * autoconfigure module on its class path then configures an SDK from its {@code OTEL_*}
   * variables. Default: none, tracing off.
   */
  public PoolConfigBuilder tracing(Object openTelemetryOrObservationRegistry) {
    Objects.requireNonNull(openTelemetryOrObservationRegistry, "tracing");
    this.tracing = dev.procpool.internal.trace.Tracing.check(openTelemetryOrObservationRegistry);
    childEnvironment.putIfAbsent("PROCPOOL_OTEL", "autoconfigure");
    return this;
  }

  /** Checks the settings together and freezes them. */
  public PoolConfig build() {
    int max = maxChildren != null ? maxChildren : children;
    if (children > max) {
      throw new IllegalStateException(
          "children (" + children + ") must be <= maxChildren (" + max + ")");
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
        classDataDirectory,
        slowJobThreshold,
        deadlineAdmission,
        jobAccounting,
        pipelining,
        tracing);
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
