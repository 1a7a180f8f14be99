package dev.procpool.child.internal;

import dev.procpool.protocol.JobReply;
import java.lang.management.ManagementFactory;

/**
 * What each job cost the job thread: CPU time and bytes allocated (HotSpot's per-thread counters,
 * switched on once), and the handler's wall time, carried back in the reply.
 *
 * <p>The counters are read once per job, at its end, and a job is charged what the thread used
 * since the previous job's end: its handler plus the loop's own work for it (parsing its request,
 * framing the previous reply). Reading them at both ends cost a second thread-CPU-clock system call
 * per job (the CPU clock of a thread is never served by the vDSO), a fifth of all the system calls
 * of a no-op job. The thread blocks without CPU while it waits for work, so a job after an idle
 * spell is not charged for the wait. Job thread only; one instance per loop.
 */
final class JobCost {
  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private long lastCpu;
  private long lastAllocated;

  /** Made on the job thread, before its first job. */
  JobCost() {
    if (THREADS != null) {
      lastCpu = THREADS.getCurrentThreadCpuTime();
      lastAllocated = THREADS.getCurrentThreadAllocatedBytes();
    }
  }

  /** A job that ran {@code runNanos} has ended: its cost goes into {@code reply}. */
  void charge(JobReply.Builder reply, long runNanos) {
    if (THREADS == null) {
      return;
    }
    long cpu = THREADS.getCurrentThreadCpuTime();
    long allocated = THREADS.getCurrentThreadAllocatedBytes();
    reply.setRunNanos(runNanos);
    reply.setCpuNanos(Math.max(0, cpu - lastCpu));
    reply.setAllocatedBytes(Math.max(0, allocated - lastAllocated));
    lastCpu = cpu;
    lastAllocated = allocated;
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
