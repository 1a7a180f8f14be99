package dev.procpool.internal.launch.sandbox;

import dev.procpool.internal.engine.ChildFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A sandboxed child as the pool sees it: the JVM's pid on the host (what status pages show and an
 * operator can {@code jstack}), the pid it calls itself inside its PID namespace (what its hello
 * says: 2, after bwrap's init), and the bwrap process the pool started, which it kills (bwrap's
 * init and everything in the namespace die with it).
 */
public record SandboxedJvm(Process bwrap, long hostPid, long namespacePid)
    implements ChildFactory.Process {

  /** How often to look for the JVM while bwrap sets the sandbox up (some milliseconds). */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  @Override
  public long pid() {
    return hostPid;
  }

  @Override
  public long pidInside() {
    return namespacePid;
  }

  @Override
  public boolean isAlive() {
    return bwrap.isAlive();
  }

  @Override
  public void kill() {
    bwrap.destroyForcibly();
  }

  /**
   * Finds the JVM bwrap started: bwrap → its init (pid 1 inside) → the JVM. Polls, since no event
   * says when bwrap forked (the JDK cannot hand bwrap an {@code --info-fd}); bounded by {@code
   * timeoutMillis} and by bwrap's life. Empty if bwrap ended first (it said why on its output).
   * Blocking: on the launcher's threads.
   */
  public static Optional<SandboxedJvm> find(Process bwrap, long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (bwrap.isAlive() && System.nanoTime() - deadline < 0) {
      Optional<ProcessHandle> jvm =
          bwrap.toHandle().children().findFirst().flatMap(init -> init.children().findFirst());
      if (jvm.isPresent()) {
        long host = jvm.get().pid();
        return Optional.of(new SandboxedJvm(bwrap, host, namespacePid(host)));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return Optional.empty();
  }

  /** The last pid on the {@code NSpid:} line of /proc/PID/status: the innermost namespace's. */
  static long namespacePid(long hostPid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(hostPid), "status"));
      for (String line : lines) {
        if (line.startsWith("NSpid:")) {
          String[] pids = line.substring(6).trim().split("\\s+");
          return Long.parseLong(pids[pids.length - 1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone already, or a kernel before 4.1: bwrap's init is 1, its one child 2
    }
    return 2;
  }
}
