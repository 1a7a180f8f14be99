package dev.procpool.child.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ends the child when its standard input closes. The master holds the other end of that pipe for
 * the child's whole life, so the pipe closes exactly when the master dies, however it dies. The
 * socket alone is not enough: a handler stuck in a blocking call never reads it again.
 */
final class MasterWatchdog implements Runnable {
  private final InputStream stdin;

  private MasterWatchdog(InputStream stdin) {
    this.stdin = stdin;
  }

  static void start(InputStream stdin) {
    Thread thread = new Thread(new MasterWatchdog(stdin), "procpool-master-watchdog");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void run() {
    byte[] sink = new byte[64];
    try {
      while (stdin.read(sink) >= 0) {
        // Nothing else is ever sent; keep reading until end of stream.
      }
    } catch (IOException e) {
      // Same meaning as end of stream: the master's end is gone.
    }
    // halt, not exit: a stuck handler or a shutdown hook must not keep an orphan alive.
    Runtime.getRuntime().halt(ExitCodes.MASTER_GONE);
  }
}
