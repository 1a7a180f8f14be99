package dev.procpool.internal.engine;

import dev.procpool.child.internal.ExitCodes;
import java.util.List;

/**
 * Says why a child died, from what the pool knows: its own reason when it stopped the child, the
 * exit status or the signal by name, the child's last lines of output (the JVM's "Terminating due
 * to java.lang.OutOfMemoryError", the child's note that it exits while a job runs, i.e. the handler
 * called {@code System.exit}), and for a SIGKILL the pool did not send, a hint that the kernel's
 * OOM killer is the likely cause, weighed by the child's last resident memory against the machine's
 * limit. Pure.
 */
final class CrashReport {
  /** The child's own note (see the child's Watchdog) that the JVM exits while a job runs. */
  static final String EXIT_MARKER = "procpool child: the JVM is exiting while job ";

  private CrashReport() {}

  static ChildDeath of(
      ChildSlot child,
      int status,
      List<String> lastLines,
      long rssBytes,
      long memoryLimitBytes,
      long nowEpochMillis) {
    int signalNumber = status > 128 && status < 160 ? status - 128 : 0;
    String signal = signalNumber > 0 ? signalName(signalNumber) : null;
    return new ChildDeath(
        child.id(),
        child.pid(),
        nowEpochMillis,
        status,
        signal,
        cause(
            child.stopReason() == null ? null : child.stopReason().toString(),
            status,
            signal,
            lastLines,
            rssBytes,
            memoryLimitBytes),
        child.stopReason() == null ? lastLines : List.of());
  }

  private static String cause(
      String stopReason,
      int status,
      String signal,
      List<String> lines,
      long rssBytes,
      long limitBytes) {
    String limit = stopReason == null ? firstContaining(lines, ChildFactory.LIMIT_NOTE) : null;
    String cause = plainCause(stopReason, status, signal, lines, rssBytes, limitBytes);
    if (limit != null) {
      // The kernel's word beats our guess (an OOM-killer hint, a JVM out of native threads).
      String what =
          limit.substring(
              limit.indexOf(ChildFactory.LIMIT_NOTE) + ChildFactory.LIMIT_NOTE.length());
      if ("SIGKILL".equals(signal)) {
        return "hit " + what + "; it was killed by SIGKILL (exit status " + status + ")";
      }
      return "hit " + what + ", and " + cause;
    }
    return cause;
  }

  private static String plainCause(
      String stopReason,
      int status,
      String signal,
      List<String> lines,
      long rssBytes,
      long limitBytes) {
    if (stopReason != null) {
      return "was stopped by the pool (" + stopReason + ")";
    }
    String outOfMemory = firstContaining(lines, "java.lang.OutOfMemoryError");
    if (outOfMemory != null) {
      return "ran out of memory (" + outOfMemory.trim() + ") and exited with status " + status;
    }
    if (signal != null) {
      String how = "was killed by " + signal + " (exit status " + status + ")";
      if (signal.equals("SIGKILL")) {
        return how + ", not sent by the pool: " + oomKillerHint(rssBytes, limitBytes);
      }
      if (signal.equals("SIGSEGV")
          || signal.equals("SIGBUS")
          || signal.equals("SIGILL")
          || signal.equals("SIGFPE")) {
        return how + ": a native crash (see hs_err_pid*.log in the child's working directory)";
      }
      return how + ", not sent by the pool";
    }
    if (firstContaining(lines, EXIT_MARKER) != null) {
      return "called System.exit(" + status + ") from a handler while running its job";
    }
    return "exited with status " + status + " (" + ExitCodes.describe(status) + ")";
  }

  private static String oomKillerHint(long rssBytes, long limitBytes) {
    if (rssBytes > 0 && limitBytes > 0) {
      long percent = rssBytes * 100 / limitBytes;
      return (percent >= 80
              ? "the kernel's OOM killer is the likely cause"
              : "the kernel's OOM killer is a possible cause")
          + " (its last resident memory: "
          + (rssBytes >> 20)
          + " MiB, "
          + percent
          + "% of the "
          + (limitBytes >> 20)
          + " MiB limit), or an operator";
    }
    return "the kernel's OOM killer is a possible cause, or an operator";
  }

  private static String firstContaining(List<String> lines, String needle) {
    for (String line : lines) {
      if (line.contains(needle)) {
        return line;
      }
    }
    return null;
  }

  static String signalName(int signal) {
    return switch (signal) {
      case 1 -> "SIGHUP";
      case 2 -> "SIGINT";
      case 3 -> "SIGQUIT";
      case 4 -> "SIGILL";
      case 6 -> "SIGABRT";
      case 7 -> "SIGBUS";
      case 8 -> "SIGFPE";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 13 -> "SIGPIPE";
      case 14 -> "SIGALRM";
      case 15 -> "SIGTERM";
      default -> "signal " + signal;
    };
  }
}
