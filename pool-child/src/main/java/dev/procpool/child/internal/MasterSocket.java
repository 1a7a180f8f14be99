package dev.procpool.child.internal;

import java.io.IOException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The child's job connection to the master. The master spawns its children first and binds the
 * socket while their JVMs start, so a child can arrive before the socket exists ("No such file or
 * directory") or listens ("Connection refused"): it tries again every {@link #RETRY_MILLIS} ms, for
 * at most its patience. Only at start-up; bounded in time.
 */
final class MasterSocket {
  /** How long a child waits for the master's socket: far longer than a bind takes. */
  static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  static final long RETRY_MILLIS = 2;

  private MasterSocket() {}

  /** No master's socket within the patience, or a failure not worth a retry: it is the cause. */
  static final class Unreachable extends IOException {
    Unreachable(String path, IOException last) {
      super("could not connect to the master at " + path + ": " + last.getMessage(), last);
    }
  }

  /** Connects to {@code path}; {@link Unreachable} once {@code patienceNanos} have passed. */
  static SocketChannel connect(String path, long patienceNanos) throws Unreachable {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
    long deadline = System.nanoTime() + patienceNanos;
    while (true) {
      try {
        return SocketChannel.open(address); // closes the channel itself when it fails
      } catch (SocketException notYet) {
        if (System.nanoTime() - deadline >= 0) {
          throw new Unreachable(path, notYet);
        }
        try {
          Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Unreachable(path, notYet);
        }
      } catch (IOException other) {
        throw new Unreachable(path, other);
      }
    }
  }
}
