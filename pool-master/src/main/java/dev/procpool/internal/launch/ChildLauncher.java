package dev.procpool.internal.launch;

import dev.procpool.internal.engine.ChildFactory;
import dev.procpool.internal.launch.sandbox.ChildCgroups;
import dev.procpool.internal.launch.sandbox.ChildSandbox;
import dev.procpool.internal.launch.sandbox.SandboxProfile;
import dev.procpool.internal.launch.sandbox.SandboxedJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Builds the {@code java} command for a child and starts it, off the event loop.
 *
 * <p>{@link ProcessBuilder#start()} forks and can take milliseconds, so it runs on the blocking
 * executor; the outcome comes back through callbacks, which the caller hops onto its loop. The
 * child's token goes to its standard input, which then stays open: the child exits when it closes,
 * so children die with the master however the master dies.
 *
 * <p>With a {@link Sandbox}, the same command runs inside bubblewrap ({@link ChildSandbox}): the
 * process started is bwrap's, and the child's pid is its JVM's on the host, found once bwrap forked
 * it.
 */
public final class ChildLauncher implements ChildFactory {
  private final String poolName;
  private final Path javaExecutable;
  private final List<String> jvmOptions;
  private final ChildEntryPoint entryPoint;
  private final Path socketPath;
  private final int maxFrameBytes;
  private final Executor blocking;
  private final Map<String, String> environment;
  private final long startTimeoutMillis;

  /** AppCDS for the children, or null. */
  private final ClassDataArchive classData;

  /** The children's sandbox, or null when they run without. */
  private final ChildSandbox sandbox;

  /** Every child process not yet exited: the last-resort kill list, safe from any thread. */
  private final Set<java.lang.Process> processes = ConcurrentHashMap.newKeySet();

  public ChildLauncher(
      String poolName,
      Path javaExecutable,
      List<String> jvmOptions,
      ChildEntryPoint entryPoint,
      Path socketPath,
      int maxFrameBytes,
      Map<String, String> environment,
      Path classDataDirectory,
      SandboxProfile sandbox,
      long startTimeoutMillis,
      Executor blocking)
      throws IOException {
    this.environment = Map.copyOf(environment);
    this.startTimeoutMillis = startTimeoutMillis;
    this.poolName = poolName;
    this.javaExecutable = javaExecutable;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.entryPoint = entryPoint;
    this.socketPath = socketPath;
    this.maxFrameBytes = maxFrameBytes;
    this.blocking = blocking;
    ClassDataArchive archive = null;
    if (classDataDirectory != null) {
      try {
        archive = ClassDataArchive.in(classDataDirectory, entryPoint.classPath(), javaExecutable);
      } catch (IOException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ChildLauncher.class)
            .warn(
                "{}: no class-data archive for the children ({}); they start without",
                poolName,
                e.toString());
      }
    }
    this.classData = archive;
    this.sandbox =
        sandbox.enabled()
            ? ChildSandbox.open(
                poolName, sandbox, javaExecutable, entryPoint.classPath(), socketPath)
            : null;
    if (this.sandbox != null) {
      org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChildLauncher.class);
      log.info("{}: children run sandboxed: {}", poolName, this.sandbox.status());
      if (!this.sandbox.kernelLimits()) {
        log.warn("{}: sandbox: {}", poolName, this.sandbox.limitsDescription());
      }
    }
  }

  /** The sandbox's settings and kernel limits for status pages; empty without a sandbox. */
  public Map<String, String> sandboxStatus() {
    return sandbox == null ? Map.of() : sandbox.status();
  }

  /** The command line of child {@code childId}; it holds no secret. */
  List<String> command(int childId) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable.toString());
    if (classData != null) {
      command.addAll(classData.optionsFor(childId));
    }
    command.addAll(tail(childId));
    return command;
  }

  /** Everything after the JDK's own options: the same in and out of a sandbox. */
  private List<String> tail(int childId) {
    List<String> command = new ArrayList<>();
    // A child that ran out of memory is not to be trusted with another job: let it die, and be
    // replaced.
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(entryPoint.classPath());
    command.addAll(entryPoint.mainArguments());
    command.add(socketPath.toString());
    command.add(Integer.toString(childId));
    command.add(Integer.toString(maxFrameBytes));
    return command;
  }

  /** Forks child {@code childId} on the blocking executor; see {@link ChildFactory#launch}. */
  @Override
  public void launch(int childId, byte[] token, Events events) {
    blocking.execute(
        () -> {
          java.lang.Process process;
          ChildCgroups.Group group = null;
          try {
            ProcessBuilder builder;
            if (sandbox == null) {
              builder = new ProcessBuilder(command(childId));
              builder.environment().putAll(environment);
            } else {
              ChildSandbox.Launch launch =
                  sandbox.prepare(
                      childId,
                      classData == null ? List.of() : classData.optionsFor(childId),
                      tail(childId));
              group = launch.group();
              builder = new ProcessBuilder(launch.command());
              builder.environment().clear(); // the master's may hold secrets
              builder.environment().putAll(sandbox.environment(environment));
            }
            builder.redirectErrorStream(true);
            process = builder.start();
          } catch (IOException | RuntimeException e) {
            if (group != null) {
              group.remove();
            }
            events.onLaunchFailed(e.toString());
            return;
          }
          try {
            OutputStream stdin = process.getOutputStream();
            stdin.write(
                (HexFormat.of().formatHex(token) + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
          } catch (IOException e) {
            // The child died at once; its exit is reported below like any other.
          }
          processes.add(process);
          java.util.concurrent.CompletableFuture<java.util.List<String>> output =
              ChildOutput.follow(poolName, childId, process);
          ChildFactory.Process started = new OsProcess(process);
          if (sandbox != null) {
            // bwrap's pid is not the child's: wait (some ms) for it to fork the JVM. If bwrap
            // died instead, its exit and last words follow as for any child.
            started =
                SandboxedJvm.find(process, startTimeoutMillis)
                    .<ChildFactory.Process>map(jvm -> jvm)
                    .orElse(started);
          }
          ChildCgroups.Group cgroup = group;
          events.onStarted(started);
          process
              .onExit()
              .thenAccept(
                  p -> {
                    processes.remove(p);
                    closeQuietly(p.getOutputStream());
                    if (classData != null) {
                      classData.onChildExit(childId);
                    }
                    // The crash report wants the child's last lines: wait (briefly) for the
                    // output to end, which it does with the process, unless a grandchild holds it.
                    int status = p.exitValue();
                    String limitHit = null;
                    if (cgroup != null) {
                      limitHit = cgroup.limitHit();
                      cgroup.remove();
                    }
                    String note = limitHit == null ? null : ChildFactory.LIMIT_NOTE + limitHit;
                    output
                        .completeOnTimeout(
                            java.util.List.of(), 1, java.util.concurrent.TimeUnit.SECONDS)
                        .thenAccept(lines -> events.onExit(status, withNote(lines, note)));
                  });
        });
  }

  /** A child process of the operating system. */
  private record OsProcess(java.lang.Process process) implements ChildFactory.Process {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void kill() {
      process.destroyForcibly();
    }
  }

  /**
   * Last resort for {@code close()}: SIGKILLs every child still alive and waits for each to exit,
   * up to {@code timeoutMillis} in all. Safe from any thread but the event loop.
   *
   * @return how many children had to be killed
   */
  public int killRemaining(long timeoutMillis) throws InterruptedException {
    List<java.lang.Process> alive = new ArrayList<>(processes);
    for (java.lang.Process process : alive) {
      process.destroyForcibly();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (java.lang.Process process : alive) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        process.waitFor(left, TimeUnit.NANOSECONDS);
      }
    }
    return alive.size();
  }

  /** The child's last lines, and the kernel's limit it hit as the last of them. */
  private static List<String> withNote(List<String> lines, String note) {
    if (note == null) {
      return lines;
    }
    List<String> all = new ArrayList<>(lines);
    all.add(note);
    return all;
  }

  /** Removes the sandbox's cgroups once every child exited (after {@link #killRemaining}). */
  public void closeSandbox() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // The pipe is gone with the process.
    }
  }
}
