package dev.procpool.internal.engine;

/**
 * When a child should be replaced: after its share of jobs, or when its memory passes a limit. Each
 * child's limits are scaled by its own factor in [0.9, 1) so that children that grow alike are not
 * all replaced at once. Pure.
 *
 * @param maxJobsPerChild 0 for no limit
 * @param heapLimitBytes heap in use after GC; 0 for no limit
 * @param rssLimitBytes resident memory; 0 for no limit
 */
record RecyclePolicy(long maxJobsPerChild, long heapLimitBytes, long rssLimitBytes) {

  boolean dueByJobs(long jobsDone) {
    return maxJobsPerChild > 0 && jobsDone >= maxJobsPerChild;
  }

  /** Why the child is over its memory limit, or null when it is not. */
  String overMemory(long heapBytes, long rssBytes, double factor) {
    if (heapLimitBytes > 0 && heapBytes > heapLimitBytes * factor) {
      return "heap "
          + heapBytes
          + " B over its limit of "
          + (long) (heapLimitBytes * factor)
          + " B";
    }
    if (rssLimitBytes > 0 && rssBytes > rssLimitBytes * factor) {
      return "resident memory "
          + rssBytes
          + " B over its limit of "
          + (long) (rssLimitBytes * factor)
          + " B";
    }
    return null;
  }
}
