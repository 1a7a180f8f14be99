package dev.procpool;

import static dev.procpool.SettingChecks.atLeast;
import static dev.procpool.SettingChecks.notNegative;
import static dev.procpool.SettingChecks.positive;

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
 *
 * <p>Each setter has the name of the {@link PoolConfig} getter that returns it, of the {@code
 * procpool.*} Spring property (in kebab case) and of the {@code serve} flag, where there is one
 * (see docs/configuration.md). Off is zero: a limit that can be off is off at {@code 0} or {@link
 * Duration#ZERO}, and that is its default.
 *
 * <p>Adding a setting: a field and a setter here; in {@link PoolConfig} a field, a getter and a
 * line each in {@code toBuilder()} and {@code describe()}; a {@code procpool.*} property in the
 * starter (a test there fails until it exists).
 */
public final class PoolConfigBuilder {
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

  // Package-private: PoolConfig's constructor copies them, so the two cannot drift.
  String name;
  int children = Runtime.getRuntime().availableProcessors();
  int queueCapacity = 100_000;
  Duration jobTimeout = Duration.ofSeconds(60);
  final List<String> childJvmOptions = new ArrayList<>();
  final List<Path> childClasspath = new ArrayList<>();
  final List<Path> childClasspathOverride = new ArrayList<>();
  long maxJobsPerChild;
  int maxFrameBytes = 16 * 1024 * 1024;
  Duration startTimeout = Duration.ofSeconds(30);
  Duration drainTimeout = Duration.ofSeconds(30);
  int spawnFailureLimit = 5;
  Executor callbackExecutor = ForkJoinPool.commonPool();
  Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
  final Map<String, String> childEnvironment = new LinkedHashMap<>();
  MeterRegistry meterRegistry;
  final Set<String> retryableJobTypes = new LinkedHashSet<>();
  int maxAttempts = 3;
  long recycleAboveHeapBytes;
  long recycleAboveRssBytes;
  Integer maxChildren; // null: follows children (a static pool)
  Duration childIdleTimeout = Duration.ofSeconds(30);
  Path childClassDataDirectory;
  Duration slowJobThreshold = Duration.ZERO;
  boolean deadlineAdmission;
  boolean jobAccounting = true;
  boolean pipelining = true;
  Sandbox sandbox = Sandbox.off();
  Object tracing;

  PoolConfigBuilder() {}

  /** Prefix of log lines, messages and meter tags. Default: {@code pool-<n>}. */
  public PoolConfigBuilder name(String name) {
    this.name = SettingChecks.notBlank("name", name);
    return this;
  }

  /** How many child JVMs. Default: the number of available processors. */
  public PoolConfigBuilder children(int children) {
    this.children = atLeast("children", children, 1);
    return this;
  }

  /** Jobs that may wait for a child; 0 = only what a free child takes at once. Default 100,000. */
  public PoolConfigBuilder queueCapacity(int queueCapacity) {
    this.queueCapacity = atLeast("queueCapacity", queueCapacity, 0);
    return this;
  }

  /**
   * The longest a job may run once started (queued time does not count); then it fails with
   * JOB_TIMEOUT and its child is replaced. Default 60 s; a job can set its own ({@link Job}).
   */
  public PoolConfigBuilder jobTimeout(Duration jobTimeout) {
    this.jobTimeout = positive("jobTimeout", jobTimeout);
    return this;
  }

  /** Options for each child's JVM, such as {@code -Xmx256m}. Replaces earlier calls. */
  public PoolConfigBuilder childJvmOptions(String... options) {
    List<String> copy = new ArrayList<>();
    for (String option : options) {
      copy.add(Objects.requireNonNull(option, "childJvmOptions element"));
    }
    return replace(childJvmOptions, copy);
  }

  /**
   * Jars or directories with more {@code JobHandler}s, appended to the class path procpool works
   * out for the children from the master's own (plain, {@code Class-Path} manifest, Boot jar).
   */
  public PoolConfigBuilder childClasspath(List<Path> entries) {
    return replace(childClasspath, SettingChecks.absolutePaths("childClasspath", entries));
  }

  /**
   * The children's whole class path, for a launcher procpool cannot read (procpool-child,
   * -protocol, protobuf-java and the handlers); only {@link #childClasspath} is added. Default:
   * none.
   */
  public PoolConfigBuilder childClasspathOverride(List<Path> entries) {
    return replace(
        childClasspathOverride, SettingChecks.absolutePaths("childClasspathOverride", entries));
  }

  /** Replace a child after this many jobs (a cure for slow leaks); 0 = never. Default 0. */
  public PoolConfigBuilder maxJobsPerChild(long maxJobsPerChild) {
    this.maxJobsPerChild = atLeast("maxJobsPerChild", maxJobsPerChild, 0);
    return this;
  }

  /** The largest frame either side may send (payloads and results must fit). Default 16 MiB. */
  public PoolConfigBuilder maxFrameBytes(int maxFrameBytes) {
    this.maxFrameBytes = atLeast("maxFrameBytes", maxFrameBytes, 1024);
    return this;
  }

  /** How long a child may take to start and say hello before it is killed. Default 30 s. */
  public PoolConfigBuilder startTimeout(Duration startTimeout) {
    this.startTimeout = positive("startTimeout", startTimeout);
    return this;
  }

  /** How long {@code close()} waits for queued and running jobs; 0 = not at all. Default 30 s. */
  public PoolConfigBuilder drainTimeout(Duration drainTimeout) {
    this.drainTimeout = notNegative("drainTimeout", drainTimeout);
    return this;
  }

  /** Failed starts in a row before the pool fails jobs with {@code SPAWN_FAILED}. Default 5. */
  public PoolConfigBuilder spawnFailureLimit(int spawnFailureLimit) {
    this.spawnFailureLimit = atLeast("spawnFailureLimit", spawnFailureLimit, 1);
    return this;
  }

  /** Where futures complete, so where dependent stages run. Default: the common pool. */
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
   * Adds a variable to every child's environment (secrets go here, never in JVM options: other
   * local users can read a command line; the config's {@code toString()} masks the values). A child
   * with {@code PROCPOOL_DB_URL} (and optionally {@code PROCPOOL_DB_USER}, {@code
   * PROCPOOL_DB_PASSWORD}) opens a one-connection pool for {@code ChildContext.dataSource()}.
   */
  public PoolConfigBuilder childEnvironment(String name, String value) {
    Objects.requireNonNull(value, "childEnvironment value");
    childEnvironment.put(SettingChecks.environmentName(name), value);
    return this;
  }

  /** Where the pool registers its meters ({@code procpool.*}, tag {@code pool}). Default: none. */
  public PoolConfigBuilder meterRegistry(MeterRegistry meterRegistry) {
    this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
    return this;
  }

  /**
   * Idempotent job types: when a child dies running one, the job goes back to the head of the
   * queue, up to {@link #maxAttempts} runs in all. Other jobs never run twice. Replaces earlier.
   */
  public PoolConfigBuilder retryableJobTypes(String... types) {
    Set<String> copy = new LinkedHashSet<>();
    for (String type : types) {
      Objects.requireNonNull(type, "retryableJobTypes element");
      if (type.isEmpty()) {
        throw new IllegalArgumentException("retryableJobTypes must not contain an empty type");
      }
      copy.add(type);
    }
    return replace(retryableJobTypes, copy);
  }

  /** Runs a retryable job gets; if its child died on each, it fails with POISON_JOB. Default 3. */
  public PoolConfigBuilder maxAttempts(int maxAttempts) {
    this.maxAttempts = atLeast("maxAttempts", maxAttempts, 1);
    return this;
  }

  /**
   * Replaces a child whose heap in use after its last GC (leaks, not garbage) passes this many
   * bytes; each child's limit is jittered down by up to 10%. Lossless: the replacement starts first
   * and the old child leaves when idle. 0 = never (default).
   */
  public PoolConfigBuilder recycleAboveHeapBytes(long bytes) {
    this.recycleAboveHeapBytes = atLeast("recycleAboveHeapBytes", bytes, 0);
    return this;
  }

  /** Like {@link #recycleAboveHeapBytes} for the child's resident set size (native leaks too). */
  public PoolConfigBuilder recycleAboveRssBytes(long bytes) {
    this.recycleAboveRssBytes = atLeast("recycleAboveRssBytes", bytes, 0);
    return this;
  }

  /**
   * Dynamic sizing (PHP-FPM's dynamic mode): grow up to this many children while jobs wait, retire
   * extra ones idle for {@link #childIdleTimeout}. Default: {@code children} (a static pool).
   */
  public PoolConfigBuilder maxChildren(int maxChildren) {
    this.maxChildren = atLeast("maxChildren", maxChildren, 1);
    return this;
  }

  /** How long a child above {@code children} may be idle before it leaves. Default 30 s. */
  public PoolConfigBuilder childIdleTimeout(Duration childIdleTimeout) {
    this.childIdleTimeout = positive("childIdleTimeout", childIdleTimeout);
    return this;
  }

  /**
   * Keep the children's AppCDS archive (an AOT cache for children on JDK 25+) in this directory:
   * the first child records it, later ones start about a third faster. Safe to share between pools.
   * Needs a class path of jars only (as procpool.jar). Default: none.
   */
  public PoolConfigBuilder childClassDataDirectory(Path directory) {
    this.childClassDataDirectory =
        Objects.requireNonNull(directory, "childClassDataDirectory").toAbsolutePath();
    return this;
  }

  /**
   * A job still running past this has its child's job-thread stack logged once (PHP-FPM's slowlog),
   * counted in {@code procpool.jobs.slow}. 0 = never (default).
   */
  public PoolConfigBuilder slowJobThreshold(Duration threshold) {
    this.slowJobThreshold = notNegative("slowJobThreshold", threshold);
    return this;
  }

  /** Children measure each job's CPU time and allocated bytes ({@code procpool.jobs.cpu}). On. */
  public PoolConfigBuilder jobAccounting(boolean measure) {
    this.jobAccounting = measure;
    return this;
  }

  /**
   * Refuse at submit, with DEADLINE_EXCEEDED, a job whose expected queue wait already exceeds its
   * deadline, instead of queueing it to expire. Default: false (the server turns it on).
   */
  public PoolConfigBuilder deadlineAdmission(boolean refuse) {
    this.deadlineAdmission = refuse;
    return this;
  }

  /**
   * Pipelining: while jobs wait and no child is idle, send busy children the next queued jobs to
   * wait in their sockets, so each starts the moment the one ahead of it ends. How many a child may
   * hold, its running one included, follows recent run times ({@link ProcessPool#depth()}): up to
   * 16 for jobs of microseconds, 2 for jobs of a millisecond or more, so that a held job waits
   * about a millisecond at most; each child still runs one job at a time. A held job still counts
   * as queued and keeps its FIFO place; its timeout and deadline start when it starts; cancelled or
   * past its deadline, it is skipped; an idle child takes it back; if its child dies, it is
   * requeued in order (it never ran). {@code false}: one job at a time, nothing held. Default:
   * true.
   */
  public PoolConfigBuilder pipelining(boolean sendAhead) {
    this.pipelining = sendAhead;
    return this;
  }

  /**
   * Runs every child in an operating-system sandbox (bubblewrap, Linux): for handlers you do not
   * trust. Default: {@link Sandbox#off()}. See {@link Sandbox}.
   */
  public PoolConfigBuilder sandbox(Sandbox sandbox) {
    this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
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
    SettingChecks.combination(
        children <= max, "children (" + children + ") must be <= maxChildren (" + max + ")");
    String poolName = name != null ? name : "pool-" + POOL_NUMBER.incrementAndGet();
    return new PoolConfig(this, poolName, max);
  }

  /**
   * Builds the configuration and starts a pool with it; returns once every child is ready.
   *
   * @throws PoolException with {@code SPAWN_FAILED} if the children cannot be started
   */
  public ProcessPool start() {
    return ProcessPool.start(build());
  }

  /** Setters that replace a collection check every element first, then swap: all or nothing. */
  private <T> PoolConfigBuilder replace(
      java.util.Collection<T> target, java.util.Collection<T> with) {
    target.clear();
    target.addAll(with);
    return this;
  }
}
