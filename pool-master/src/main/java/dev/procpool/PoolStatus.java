package dev.procpool;

import java.time.Duration;
import java.util.List;

/**
 * A point-in-time view of a pool, for status pages and operators. Taken on the pool's event loop,
 * so its numbers agree with each other.
 *
 * @param name the pool's name
 * @param problem why the pool cannot serve right now, or null while it can
 * @param queued jobs waiting for a child
 * @param busy children running a job
 * @param idle children waiting for a job
 * @param depth how many jobs a busy child may hold now, its running one included ({@link
 *     ProcessPool#depth()}): 1 without pipelining, else 2 to 16 by recent run times
 * @param uptime time since the pool started
 * @param children every child the pool tracks, including starting and stopping ones
 * @param completed jobs that returned a result since the pool started
 * @param failed jobs that failed since the pool started (any code)
 * @param runP50Micros median run time of the successful jobs of the last second that had any, in
 *     microseconds
 * @param runP99Micros 99th percentile of the same
 * @param time where the time of the pool's jobs went, in total since it started
 * @param recentDeaths the last 50 child deaths, newest first, with why each child died
 * @param sandbox the children's sandbox: every setting of its profile and, under {@code limits},
 *     what the kernel enforces here; empty when children run without one
 */
public record PoolStatus(
    String name,
    String problem,
    int queued,
    int busy,
    int idle,
    int depth,
    Duration uptime,
    List<Child> children,
    long completed,
    long failed,
    long runP50Micros,
    long runP99Micros,
    TimeSplit time,
    List<ChildDeath> recentDeaths,
    java.util.Map<String, String> sandbox) {

  /**
   * Where the time goes, summed over every job since the pool started: waiting in the queue, the
   * IPC round trip beyond the handler's own time, running in the handler, and the CPU the handlers
   * used (their job threads' CPU time).
   */
  public record TimeSplit(
      long queueWaitMillis, long overheadMillis, long runMillis, long cpuMillis) {}

  /**
   * Why a child died, as the crash report tells it.
   *
   * @param childId the pool's id for the child
   * @param pid its process id, or -1 if it never started
   * @param at when the pool noticed
   * @param exitStatus the exit status (128 + n for signal n)
   * @param signal the signal by name (SIGKILL, SIGSEGV...), or null if it exited by itself
   * @param cause who ended it and why: the pool (and its reason), a signal (with a hint when the
   *     kernel's OOM killer is the likely sender), {@code System.exit} from a handler, running out
   *     of memory
   * @param lastLines its last lines of output (standard error and output), up to 20
   */
  public record ChildDeath(
      int childId,
      long pid,
      java.time.Instant at,
      int exitStatus,
      String signal,
      String cause,
      List<String> lastLines) {}

  /** Where a child is in its life. */
  public enum ChildState {
    /** Spawned, not yet ready (no valid hello yet). */
    STARTING,
    /** Ready, waiting for a job. */
    IDLE,
    /** Running a job. */
    BUSY,
    /** Killed or asked to exit: takes no more jobs, its process is ending. */
    STOPPING,
    /** Its process has exited. */
    DEAD
  }

  /**
   * One child.
   *
   * @param id the pool's id for the child
   * @param pid its process id, or -1 before it is known
   * @param state where the child is in its life
   * @param jobsDone jobs it has finished
   * @param jobType the type of the job it runs, or null
   * @param jobMillis how long it has been running that job
   * @param uptimeMillis time since it was spawned
   * @param heapBytes its heap in use after its last job (0 before any)
   * @param rssBytes its resident memory as of its last job (0 before any, or not Linux)
   * @param cpuMillis CPU time its jobs used, in total
   * @param allocatedBytes bytes its jobs allocated, in total
   */
  public record Child(
      int id,
      long pid,
      ChildState state,
      long jobsDone,
      String jobType,
      long jobMillis,
      long uptimeMillis,
      long heapBytes,
      long rssBytes,
      long cpuMillis,
      long allocatedBytes) {}
}
