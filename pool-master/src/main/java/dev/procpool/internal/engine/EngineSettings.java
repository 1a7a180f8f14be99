package dev.procpool.internal.engine;

import java.util.Objects;
import java.util.Set;

/**
 * What the engine needs of the pool's configuration, in its own units (nanoseconds), made by {@link
 * #builder()} with named setters (the pool fills it from a checked {@code PoolConfig}; the
 * simulation from its seed). Off is zero, as in {@code PoolConfig}: {@code maxJobsPerChild}, the
 * recycle limits, {@code slowJobThresholdNanos} and {@code memoryLimitBytes} (the machine's or its
 * cgroup's memory, for the OOM-killer hint in crash reports) are 0 when off or unknown. Immutable.
 */
public final class EngineSettings {
  private final String poolName;
  private final int children;
  private final int maxChildren;
  private final long childIdleTimeoutNanos;
  private final long maxJobsPerChild;
  private final long startTimeoutNanos;
  private final int spawnFailureLimit;
  private final long recycleAboveHeapBytes;
  private final long recycleAboveRssBytes;
  private final Set<String> retryableJobTypes;
  private final int maxAttempts;
  private final long memoryLimitBytes;
  private final long slowJobThresholdNanos;
  private final int maxDepth;
  private final long depthBudgetNanos;

  private EngineSettings(Builder b) {
    this.poolName = Objects.requireNonNull(b.poolName, "poolName");
    this.children = b.children;
    this.maxChildren = b.maxChildren != 0 ? b.maxChildren : b.children;
    this.childIdleTimeoutNanos = b.childIdleTimeoutNanos;
    this.maxJobsPerChild = b.maxJobsPerChild;
    this.startTimeoutNanos = b.startTimeoutNanos;
    this.spawnFailureLimit = b.spawnFailureLimit;
    this.recycleAboveHeapBytes = b.recycleAboveHeapBytes;
    this.recycleAboveRssBytes = b.recycleAboveRssBytes;
    this.retryableJobTypes = Set.copyOf(b.retryableJobTypes);
    this.maxAttempts = b.maxAttempts;
    this.memoryLimitBytes = b.memoryLimitBytes;
    this.slowJobThresholdNanos = b.slowJobThresholdNanos;
    this.maxDepth = b.maxDepth;
    this.depthBudgetNanos = b.depthBudgetNanos;
    if (children < 1 || maxChildren < children) {
      throw new IllegalStateException(
          "children (" + children + ") must be >= 1 and <= maxChildren (" + maxChildren + ")");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public String poolName() {
    return poolName;
  }

  public int children() {
    return children;
  }

  public int maxChildren() {
    return maxChildren;
  }

  public long childIdleTimeoutNanos() {
    return childIdleTimeoutNanos;
  }

  public long maxJobsPerChild() {
    return maxJobsPerChild;
  }

  public long startTimeoutNanos() {
    return startTimeoutNanos;
  }

  public int spawnFailureLimit() {
    return spawnFailureLimit;
  }

  public long recycleAboveHeapBytes() {
    return recycleAboveHeapBytes;
  }

  public long recycleAboveRssBytes() {
    return recycleAboveRssBytes;
  }

  public Set<String> retryableJobTypes() {
    return retryableJobTypes;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public long memoryLimitBytes() {
    return memoryLimitBytes;
  }

  public long slowJobThresholdNanos() {
    return slowJobThresholdNanos;
  }

  /** Whether busy children are sent jobs ahead: a depth above one. */
  public boolean pipelining() {
    return maxDepth > 1;
  }

  /** The most jobs a busy child may hold, the running one included ({@link HoldDepth}). */
  public int maxDepth() {
    return maxDepth;
  }

  /** How long a held job may wait behind those ahead of it, by recent run times. */
  public long depthBudgetNanos() {
    return depthBudgetNanos;
  }

  /** A builder holding these settings, to change some. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.poolName = poolName;
    b.children = children;
    b.maxChildren = maxChildren;
    b.childIdleTimeoutNanos = childIdleTimeoutNanos;
    b.maxJobsPerChild = maxJobsPerChild;
    b.startTimeoutNanos = startTimeoutNanos;
    b.spawnFailureLimit = spawnFailureLimit;
    b.recycleAboveHeapBytes = recycleAboveHeapBytes;
    b.recycleAboveRssBytes = recycleAboveRssBytes;
    b.retryableJobTypes = retryableJobTypes;
    b.maxAttempts = maxAttempts;
    b.memoryLimitBytes = memoryLimitBytes;
    b.slowJobThresholdNanos = slowJobThresholdNanos;
    b.maxDepth = maxDepth;
    b.depthBudgetNanos = depthBudgetNanos;
    return b;
  }

  /**
   * Named setters with the library's defaults (one child, 30 s timeouts, 5 failed starts, 3
   * attempts, pipelining up to depth 16, every limit off), so a caller sets only what it means. Not
   * checked beyond children/maxChildren: the public builder checks user input before it gets here.
   */
  public static final class Builder {
    private String poolName;
    private int children = 1;
    private int maxChildren; // 0: same as children
    private long childIdleTimeoutNanos = 30_000_000_000L;
    private long maxJobsPerChild;
    private long startTimeoutNanos = 30_000_000_000L;
    private int spawnFailureLimit = 5;
    private long recycleAboveHeapBytes;
    private long recycleAboveRssBytes;
    private Set<String> retryableJobTypes = Set.of();
    private int maxAttempts = 3;
    private long memoryLimitBytes;
    private long slowJobThresholdNanos;
    private int maxDepth = HoldDepth.MAX_DEPTH;
    private long depthBudgetNanos = HoldDepth.BUDGET_NANOS;

    private Builder() {}

    public Builder poolName(String poolName) {
      this.poolName = poolName;
      return this;
    }

    public Builder children(int children) {
      this.children = children;
      return this;
    }

    public Builder maxChildren(int maxChildren) {
      this.maxChildren = maxChildren;
      return this;
    }

    public Builder childIdleTimeoutNanos(long nanos) {
      this.childIdleTimeoutNanos = nanos;
      return this;
    }

    public Builder maxJobsPerChild(long maxJobsPerChild) {
      this.maxJobsPerChild = maxJobsPerChild;
      return this;
    }

    public Builder startTimeoutNanos(long nanos) {
      this.startTimeoutNanos = nanos;
      return this;
    }

    public Builder spawnFailureLimit(int spawnFailureLimit) {
      this.spawnFailureLimit = spawnFailureLimit;
      return this;
    }

    public Builder recycleAboveHeapBytes(long bytes) {
      this.recycleAboveHeapBytes = bytes;
      return this;
    }

    public Builder recycleAboveRssBytes(long bytes) {
      this.recycleAboveRssBytes = bytes;
      return this;
    }

    public Builder retryableJobTypes(Set<String> types) {
      this.retryableJobTypes = Set.copyOf(types);
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder memoryLimitBytes(long bytes) {
      this.memoryLimitBytes = bytes;
      return this;
    }

    public Builder slowJobThresholdNanos(long nanos) {
      this.slowJobThresholdNanos = nanos;
      return this;
    }

    /** On: a busy child may hold up to {@link HoldDepth#MAX_DEPTH} jobs; off: one at a time. */
    public Builder pipelining(boolean pipelining) {
      this.maxDepth = pipelining ? HoldDepth.MAX_DEPTH : 1;
      return this;
    }

    /** The most jobs a busy child may hold, 1 to {@link HoldDepth#MAX_DEPTH}. */
    public Builder maxDepth(int maxDepth) {
      this.maxDepth = maxDepth;
      return this;
    }

    public Builder depthBudgetNanos(long nanos) {
      this.depthBudgetNanos = nanos;
      return this;
    }

    public EngineSettings build() {
      return new EngineSettings(this);
    }
  }
}
