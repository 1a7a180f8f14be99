package dev.procpool.child.internal;

/** Exit statuses of a child JVM; the master logs them when a child goes away. */
public final class ExitCodes {
  /** Shut down when asked, or the master closed the channel. */
  public static final int OK = 0;

  /** Wrong command line or standard input; a bug in the master's launcher. */
  public static final int USAGE = 64;

  /** Could not reach the master's socket or say hello. */
  public static final int CONNECT_FAILED = 69;

  /** A handler threw an {@link Error} (out of memory, stack overflow): the JVM is not trusted. */
  public static final int FATAL = 70;

  /** A handler's {@code open} threw, or two handlers claim one type. */
  public static final int OPEN_FAILED = 71;

  /** The master's standard input closed: the master is gone, so the child goes too. */
  public static final int MASTER_GONE = 75;

  /** The master sent a frame that breaks the protocol. */
  public static final int PROTOCOL_ERROR = 76;

  private ExitCodes() {}

  /** A short reason for a child's exit status, for the master's messages. */
  public static String describe(int status) {
    switch (status) {
      case OK:
        return "exited normally";
      case USAGE:
        return "bad command line";
      case CONNECT_FAILED:
        return "could not connect to the master";
      case FATAL:
        return "fatal error in a handler";
      case OPEN_FAILED:
        return "a handler failed to open";
      case MASTER_GONE:
        return "master gone";
      case PROTOCOL_ERROR:
        return "protocol error";
      default:
        if (status > 128 && status < 160) {
          return "killed by signal " + (status - 128);
        }
        return "exit status " + status;
    }
  }
}
