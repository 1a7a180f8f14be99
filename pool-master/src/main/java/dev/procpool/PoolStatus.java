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
 * @param uptime time since the pool started
 * @param children every child the pool tracks, including starting and stopping ones
 * @param completed jobs that returned a result since the pool started
 * @param failed jobs that failed since the pool started (any code)
 * @param runP50Micros median run time of the successful jobs of the last second that had any, in
 *     microseconds
 * @param runP99Micros 99th percentile of the same
 */
public record PoolStatus(
    String name,
    String problem,
    int queued,
    int busy,
    int idle,
    Duration uptime,
    List<Child> children,
    long completed,
    long failed,
    long runP50Micros,
    long runP99Micros) {

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
      long rssBytes) {}
}
