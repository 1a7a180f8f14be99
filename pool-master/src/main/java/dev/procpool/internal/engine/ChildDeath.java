package dev.procpool.internal.engine;

import java.util.List;

/**
 * Why a child's process ended, as the crash report tells it.
 *
 * @param childId the pool's id for the child
 * @param pid its process id, or -1 if it never started
 * @param atEpochMillis when the pool noticed
 * @param exitStatus the process's exit status (128 + n for signal n)
 * @param signal the signal's name, or null when it exited by itself
 * @param cause one line: who ended it and why (the pool, a signal, System.exit, out of memory...)
 * @param lastLines the child's last lines of output (standard error and output, merged)
 */
public record ChildDeath(
    int childId,
    long pid,
    long atEpochMillis,
    int exitStatus,
    String signal,
    String cause,
    List<String> lastLines) {

  public ChildDeath {
    lastLines = List.copyOf(lastLines);
  }

  /** The cause and the last lines, for an error message. */
  String report() {
    if (lastLines.isEmpty()) {
      return cause;
    }
    return cause + "; its last output:\n  " + String.join("\n  ", lastLines);
  }
}
