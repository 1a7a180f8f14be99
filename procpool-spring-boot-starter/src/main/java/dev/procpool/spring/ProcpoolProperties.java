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
 * {@code procpool.*}: one property per {@link dev.procpool.PoolConfigBuilder} setting that has a
 * text form. A property left unset keeps the library's default, so the defaults live in one place
 * (the builder's Javadoc lists them). Values are validated by the builder, with its messages.
 */
@ConfigurationProperties(prefix = "procpool")
public class ProcpoolProperties {
  /** Whether to start a pool at all. */
  private boolean enabled = true;

  /** Prefix of the pool's log lines, error messages and meter tags. */
  private String name = "procpool";

  /** How many child JVMs run at once. Default: the number of processors. */
  private Integer children;

  /** The most children the pool grows to while jobs wait. Default: the same as children. */
  private Integer maxChildren;

  /** How long a child above 'children' may sit idle before it is retired. */
  private Duration childIdleTimeout;

  /** How many jobs may wait for a child; one more is refused with QUEUE_FULL. */
  private Integer queueCapacity;

  /** The longest a job may run before its child is killed (JOB_TIMEOUT). */
  private Duration jobTimeout;

  /** JVM options for each child, such as -Xmx256m. */
  private List<String> childJvmOptions = new ArrayList<>();

  /** Jars or directories with more JobHandlers, added to the class path procpool works out. */
  private List<Path> childClasspath = new ArrayList<>();

  /** The children's whole class path, for a launcher procpool cannot read. Empty: worked out. */
  private List<Path> childClasspathOverride = new ArrayList<>();

  /** Replace a child after this many jobs; 0 means never. */
  private Long maxJobsPerChild;

  /** The largest message either side may send: payloads and results must fit. */
  private DataSize maxFrameSize;

  /** How long a child may take from spawn to ready. */
  private Duration startTimeout;

  /**
   * How long shutdown lets queued and running jobs finish. Default: Boot's
   * spring.lifecycle.timeout-per-shutdown-phase less 5 s, so the drain ends inside Boot's phase.
   */
  private Duration drainTimeout;

  /** Failed starts in a row after which the pool reports itself unhealthy. */
  private Integer spawnFailureLimit;

  /** The java launcher for the children, e.g. a newer JDK's bin/java. */
  private Path javaExecutable;

  /** Variables added to each child's environment (secrets belong here, not in JVM options). */
  private Map<String, String> childEnvironment = new LinkedHashMap<>();

  /** Job types safe to run twice: when a child dies running one, the job is retried. */
  private List<String> retryableJobTypes = new ArrayList<>();

  /** Runs a retryable job gets before it is quarantined as POISON_JOB. */
  private Integer maxAttempts;

  /** Replace a child whose heap in use after a job passes this. */
  private DataSize recycleAboveHeap;

  /** Replace a child whose resident memory passes this. */
  private DataSize recycleAboveRss;

  /** Where the children's AppCDS archive is kept (faster child start); unset for none. */
  private Path classDataDirectory;

  /**
   * Send each busy child the next queued job ahead, to start the moment its current job ends
   * (pipelining). On by default.
   */
  private boolean pipelining = true;

  /** Every child in an operating-system sandbox: {@code procpool.sandbox.*}. */
  @org.springframework.boot.context.properties.NestedConfigurationProperty
  private final SandboxProperties sandbox = new SandboxProperties();

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

  public DataSize getMaxFrameSize() {
    return maxFrameSize;
  }

  public void setMaxFrameSize(DataSize maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
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

  public DataSize getRecycleAboveHeap() {
    return recycleAboveHeap;
  }

  public void setRecycleAboveHeap(DataSize recycleAboveHeap) {
    this.recycleAboveHeap = recycleAboveHeap;
  }

  public DataSize getRecycleAboveRss() {
    return recycleAboveRss;
  }

  public void setRecycleAboveRss(DataSize recycleAboveRss) {
    this.recycleAboveRss = recycleAboveRss;
  }

  public boolean isPipelining() {
    return pipelining;
  }

  public void setPipelining(boolean pipelining) {
    this.pipelining = pipelining;
  }

  public Path getClassDataDirectory() {
    return classDataDirectory;
  }

  public void setClassDataDirectory(Path classDataDirectory) {
    this.classDataDirectory = classDataDirectory;
  }

  public SandboxProperties getSandbox() {
    return sandbox;
  }
}
