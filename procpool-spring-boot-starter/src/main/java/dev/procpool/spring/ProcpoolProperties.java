package dev.procpool.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code procpool.*}: one property per {@link dev.procpool.PoolConfigBuilder} setting, with the
 * setter's name in kebab case ({@code childClassDataDirectory} is {@code
 * procpool.child-class-data-directory}); {@code StarterPropertiesTest} fails when a setting has no
 * property and no stated reason. A property left unset keeps the library's default, so the defaults
 * live in one place (the builder); where the starter's default differs, the property says why.
 * Values are checked by the builder, with its messages. Sizes take Boot's {@link DataSize} ({@code
 * 16MB}).
 */
@ConfigurationProperties(prefix = "procpool")
public class ProcpoolProperties {
  /** Whether to start a pool at all. */
  private boolean enabled = true;

  /**
   * Prefix of the pool's log lines, error messages and meter tags. Default "procpool" (the library
   * numbers its pools, pool-1...; an application's one pool keeps one meter tag across restarts).
   */
  private String name = "procpool";

  /** How many child JVMs run at once. Default: the number of processors. */
  private Integer children;

  /** The most children the pool grows to while jobs wait. Default: the same as children. */
  private Integer maxChildren;

  /** How long a child above 'children' may sit idle before it is retired. Default 30s. */
  private Duration childIdleTimeout;

  /** How many jobs may wait for a child; one more is refused with QUEUE_FULL. Default 100000. */
  private Integer queueCapacity;

  /** The longest a job may run before its child is killed (JOB_TIMEOUT). Default 60s. */
  private Duration jobTimeout;

  /** JVM options for each child, such as -Xmx256m. */
  private List<String> childJvmOptions = new ArrayList<>();

  /** Jars or directories with more JobHandlers, added to the class path procpool works out. */
  private List<Path> childClasspath = new ArrayList<>();

  /** The children's whole class path, for a launcher procpool cannot read. Empty: worked out. */
  private List<Path> childClasspathOverride = new ArrayList<>();

  /** Replace a child after this many jobs; 0 (the default) means never. */
  private Long maxJobsPerChild;

  /** The largest message either side may send (payloads and results must fit), e.g. 16MB. */
  private DataSize maxFrameBytes;

  /** How long a child may take from spawn to ready. Default 30s. */
  private Duration startTimeout;

  /**
   * How long shutdown lets queued and running jobs finish. Default: Boot's
   * spring.lifecycle.timeout-per-shutdown-phase less 5 s, so the drain ends inside Boot's phase.
   */
  private Duration drainTimeout;

  /** Failed starts in a row after which jobs fail with SPAWN_FAILED. Default 5. */
  private Integer spawnFailureLimit;

  /**
   * Name of an Executor bean where job futures complete (and dependent stages run), e.g.
   * applicationTaskExecutor. Default: the common ForkJoinPool.
   */
  private String callbackExecutor;

  /** The java launcher for the children, e.g. a newer JDK's bin/java. */
  private Path javaExecutable;

  /** Variables added to each child's environment (secrets belong here, not in JVM options). */
  private Map<String, String> childEnvironment = new LinkedHashMap<>();

  /** Job types safe to run twice: when a child dies running one, the job is retried. */
  private List<String> retryableJobTypes = new ArrayList<>();

  /** Runs a retryable job gets before it is quarantined as POISON_JOB. Default 3. */
  private Integer maxAttempts;

  /** Replace a child whose heap in use after a job passes this, e.g. 512MB. Default: never. */
  private DataSize recycleAboveHeapBytes;

  /** Replace a child whose resident memory passes this, e.g. 1GB. Default: never. */
  private DataSize recycleAboveRssBytes;

  /**
   * Where the children's AppCDS archive (AOT cache on JDK 25+) is kept, for faster child starts.
   * Default: none.
   */
  private Path childClassDataDirectory;

  /** A job still running past this has its stack logged once. Default 0 (never). */
  private Duration slowJobThreshold;

  /**
   * Refuse at submit (DEADLINE_EXCEEDED) a job whose expected wait exceeds its deadline. Default
   * false.
   */
  private Boolean deadlineAdmission;

  /** Children measure each job's CPU time and allocated bytes. Default true. */
  private Boolean jobAccounting;

  /**
   * Send each busy child the next queued job ahead, to start the moment its current job ends.
   * Default true.
   */
  private Boolean pipelining;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getChildren() {
    return children;
  }

  public void setChildren(Integer children) {
    this.children = children;
  }

  public Integer getMaxChildren() {
    return maxChildren;
  }

  public void setMaxChildren(Integer maxChildren) {
    this.maxChildren = maxChildren;
  }

  public Duration getChildIdleTimeout() {
    return childIdleTimeout;
  }

  public void setChildIdleTimeout(Duration childIdleTimeout) {
    this.childIdleTimeout = childIdleTimeout;
  }

  public Integer getQueueCapacity() {
    return queueCapacity;
  }

  public void setQueueCapacity(Integer queueCapacity) {
    this.queueCapacity = queueCapacity;
  }

  public Duration getJobTimeout() {
    return jobTimeout;
  }

  public void setJobTimeout(Duration jobTimeout) {
    this.jobTimeout = jobTimeout;
  }

  public List<String> getChildJvmOptions() {
    return childJvmOptions;
  }

  public void setChildJvmOptions(List<String> childJvmOptions) {
    this.childJvmOptions = childJvmOptions;
  }

  public List<Path> getChildClasspath() {
    return childClasspath;
  }

  public void setChildClasspath(List<Path> childClasspath) {
    this.childClasspath = childClasspath;
  }

  public List<Path> getChildClasspathOverride() {
    return childClasspathOverride;
  }

  public void setChildClasspathOverride(List<Path> childClasspathOverride) {
    this.childClasspathOverride = childClasspathOverride;
  }

  public Long getMaxJobsPerChild() {
    return maxJobsPerChild;
  }

  public void setMaxJobsPerChild(Long maxJobsPerChild) {
    this.maxJobsPerChild = maxJobsPerChild;
  }

  public DataSize getMaxFrameBytes() {
    return maxFrameBytes;
  }

  public void setMaxFrameBytes(DataSize maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  public Duration getStartTimeout() {
    return startTimeout;
  }

  public void setStartTimeout(Duration startTimeout) {
    this.startTimeout = startTimeout;
  }

  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  public void setDrainTimeout(Duration drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  public Integer getSpawnFailureLimit() {
    return spawnFailureLimit;
  }

  public void setSpawnFailureLimit(Integer spawnFailureLimit) {
    this.spawnFailureLimit = spawnFailureLimit;
  }

  public String getCallbackExecutor() {
    return callbackExecutor;
  }

  public void setCallbackExecutor(String callbackExecutor) {
    this.callbackExecutor = callbackExecutor;
  }

  public Path getJavaExecutable() {
    return javaExecutable;
  }

  public void setJavaExecutable(Path javaExecutable) {
    this.javaExecutable = javaExecutable;
  }

  public Map<String, String> getChildEnvironment() {
    return childEnvironment;
  }

  public void setChildEnvironment(Map<String, String> childEnvironment) {
    this.childEnvironment = childEnvironment;
  }

  public List<String> getRetryableJobTypes() {
    return retryableJobTypes;
  }

  public void setRetryableJobTypes(List<String> retryableJobTypes) {
    this.retryableJobTypes = retryableJobTypes;
  }

  public Integer getMaxAttempts() {
    return maxAttempts;
  }

  public void setMaxAttempts(Integer maxAttempts) {
    this.maxAttempts = maxAttempts;
  }

  public DataSize getRecycleAboveHeapBytes() {
    return recycleAboveHeapBytes;
  }

  public void setRecycleAboveHeapBytes(DataSize recycleAboveHeapBytes) {
    this.recycleAboveHeapBytes = recycleAboveHeapBytes;
  }

  public DataSize getRecycleAboveRssBytes() {
    return recycleAboveRssBytes;
  }

  public void setRecycleAboveRssBytes(DataSize recycleAboveRssBytes) {
    this.recycleAboveRssBytes = recycleAboveRssBytes;
  }

  public Path getChildClassDataDirectory() {
    return childClassDataDirectory;
  }

  public void setChildClassDataDirectory(Path childClassDataDirectory) {
    this.childClassDataDirectory = childClassDataDirectory;
  }

  public Duration getSlowJobThreshold() {
    return slowJobThreshold;
  }

  public void setSlowJobThreshold(Duration slowJobThreshold) {
    this.slowJobThreshold = slowJobThreshold;
  }

  public Boolean getDeadlineAdmission() {
    return deadlineAdmission;
  }

  public void setDeadlineAdmission(Boolean deadlineAdmission) {
    this.deadlineAdmission = deadlineAdmission;
  }

  public Boolean getJobAccounting() {
    return jobAccounting;
  }

  public void setJobAccounting(Boolean jobAccounting) {
    this.jobAccounting = jobAccounting;
  }

  public Boolean getPipelining() {
    return pipelining;
  }

  public void setPipelining(Boolean pipelining) {
    this.pipelining = pipelining;
  }
}
