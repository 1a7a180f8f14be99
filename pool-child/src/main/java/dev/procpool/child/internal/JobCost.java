package dev.procpool.child.internal;

import dev.procpool.protocol.JobReply;
import java.lang.management.ManagementFactory;

/**
 * What one job cost its thread: CPU time and bytes allocated (HotSpot's per-thread counters,
 * switched on once; each read is a few hundred nanoseconds), and the handler's wall time. Carried
 * back in the reply. Made and read on the job thread only.
 */
final class JobCost {
  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private final long startNanos = THREADS == null ? 0 : System.nanoTime();
  private final long startCpu = THREADS == null ? 0 : THREADS.getCurrentThreadCpuTime();
  private final long startAllocated =
      THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();

  private JobCost() {}

  static JobCost start() {
    return new JobCost();
  }

  void stop(JobReply.Builder reply) {
    if (THREADS != null) {
      reply.setRunNanos(System.nanoTime() - startNanos);
      reply.setCpuNanos(Math.max(0, THREADS.getCurrentThreadCpuTime() - startCpu));
      reply.setAllocatedBytes(
          Math.max(0, THREADS.getCurrentThreadAllocatedBytes() - startAllocated));
    }
  }

  private static com.sun.management.ThreadMXBean threads() {
    if ("off".equals(System.getenv("PROCPOOL_JOB_ACCOUNTING"))) {
      return null; // the pool was built with jobAccounting(false)
    }
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
          && bean.isCurrentThreadCpuTimeSupported()
          && bean.isThreadAllocatedMemorySupported()) {
        bean.setThreadCpuTimeEnabled(true);
        bean.setThreadAllocatedMemoryEnabled(true);
        return bean;
      }
    } catch (UnsupportedOperationException | SecurityException e) {
      // Not HotSpot, or not allowed: jobs report no cost.
    }
    return null;
  }
}
