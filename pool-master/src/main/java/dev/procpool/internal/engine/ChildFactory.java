package dev.procpool.internal.engine;

/**
 * Starts child processes: the seam between the engine and the operating system. The pool's
 * implementation forks JVMs; the simulation test's fakes them.
 */
public interface ChildFactory {
  /**
   * Starts the line a launcher adds to a child's last lines when the kernel enforced a limit on it
   * (a sandbox's cgroup): the crash report leads with it.
   */
  String LIMIT_NOTE = "procpool sandbox: the child hit ";

  /**
   * Starts child {@code childId}, which must later present {@code token} in its hello. Exactly one
   * of {@link Events#onStarted} or {@link Events#onLaunchFailed} follows, from any thread; after
   * {@code onStarted}, {@link Events#onExit} once when the process ends.
   */
  void launch(int childId, byte[] token, Events events);

  /** A running child process. */
  interface Process {
    /** Its pid on the host: what status pages show. */
    long pid();

    /**
     * The pid it calls itself, which its hello carries: {@link #pid} unless it runs in a PID
     * namespace of its own (a sandboxed child).
     */
    default long pidInside() {
      return pid();
    }

    boolean isAlive();

    /** SIGKILL; the exit is reported through {@link Events#onExit}. */
    void kill();
  }

  /** What happens to a launched child; the engine hops each call onto its loop. */
  interface Events {
    void onStarted(Process process);

    void onLaunchFailed(String why);

    /** The process ended with {@code status}; {@code lastLines} are its last lines of output. */
    void onExit(int status, java.util.List<String> lastLines);
  }
}
