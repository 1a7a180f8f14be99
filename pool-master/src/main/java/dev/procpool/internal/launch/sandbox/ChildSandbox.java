package dev.procpool.internal.launch.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pool's sandbox: wraps each child's {@code java} command in bubblewrap with the profile's binds
 * and namespaces, behind a host-side {@code /bin/sh} that first sets the rlimits and joins the
 * child's cgroups (so everything the child ever forks is counted), then execs {@code bwrap}. The
 * shell runs outside the sandbox; inside there is none.
 *
 * <p>Made once at pool start ({@link #open} checks bubblewrap and the kernel, and fails with the
 * fix); {@link #prepare} runs on the launcher's blocking threads. Thread-safe.
 */
public final class ChildSandbox {
  /**
   * The host-side launcher: rlimits (soft and hard, so the child cannot raise them), then the
   * cgroups, then bwrap. Arguments: open files, number of cgroup.procs files, the files, bwrap's
   * command. A bounded loop: at most two files.
   */
  private static final String JOIN_AND_EXEC =
      "ulimit -c 0 && ulimit -n \"$1\" || { echo \"procpool sandbox: cannot set rlimits\" >&2; exit 125; }\n"
          + "n=$2; shift 2\n"
          + "while [ \"$n\" -gt 0 ]; do\n"
          + "  echo $$ > \"$1\" || { echo \"procpool sandbox: cannot join cgroup $1\" >&2; exit 125; }\n"
          + "  shift; n=$((n - 1))\n"
          + "done\n"
          + "exec \"$@\"\n";

  private final SandboxProfile profile;
  private final Path bwrap;
  private final Path java;
  private final List<String> fixedArguments;

  /** Every bind as bwrap's triples (option, source, destination), in order. */
  private final List<String> binds;

  private final ChildCgroups cgroups;

  private ChildSandbox(
      SandboxProfile profile,
      Path bwrap,
      Path java,
      List<String> fixedArguments,
      List<String> binds,
      ChildCgroups cgroups) {
    this.binds = binds;
    this.profile = profile;
    this.bwrap = bwrap;
    this.java = java;
    this.fixedArguments = fixedArguments;
    this.cgroups = cgroups;
  }

  /**
   * Checks that bubblewrap is there and works, and works out the binds; IOException whose message
   * says what is missing and how to fix it.
   */
  public static ChildSandbox open(
      String poolName,
      SandboxProfile profile,
      Path javaExecutable,
      String classPath,
      Path socketPath)
      throws IOException {
    Path bwrap = Bubblewrap.locate(profile.bwrap());
    Bubblewrap.probe(bwrap, profile.hostNetwork());
    Path java = javaExecutable.toRealPath(); // /usr/bin/java-style links are not in the sandbox
    Path jdkHome = java.getParent().getParent();
    List<String> args = new ArrayList<>();
    args.add("--unshare-all");
    if (profile.hostNetwork()) {
      args.add("--share-net");
    }
    // No --new-session: a session of its own puts each child in its own CFS autogroup, and the
    // master-child round trip then crosses scheduling groups: half the no-op throughput on a busy
    // 2-core host (RESULTS.md, "The sandbox's cost"). What the session guards against, pushing
    // input into the master's terminal (TIOCSTI), needs a terminal: the child's standard streams
    // are pipes, and /dev/tty is hidden below.
    args.addAll(List.of("--die-with-parent", "--cap-drop", "ALL"));
    // /tmp first: every bind may live in the host's /tmp (the socket directory usually does, and
    // test jars often), and a tmpfs mounted after them would hide them.
    args.addAll(
        List.of(
            "--perms", "1777", "--size", Long.toString(profile.tmpSizeBytes()), "--tmpfs", "/tmp"));
    args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--dev-bind", "/dev/null", "/dev/tty"));
    args.addAll(SystemBinds.links());
    List<String> binds = new ArrayList<>(SystemBinds.binds(jdkHome));
    for (String entry : classPath.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        String path = Path.of(entry).toAbsolutePath().toString();
        binds.addAll(List.of("--ro-bind-try", path, path));
      }
    }
    String sockets = socketPath.getParent().toString();
    binds.addAll(List.of("--ro-bind", sockets, sockets));
    for (Path path : profile.readOnly()) {
      binds.addAll(List.of("--ro-bind", path.toString(), path.toString()));
    }
    for (Path path : profile.writable()) {
      binds.addAll(List.of("--bind", path.toString(), path.toString()));
    }
    ChildCgroups cgroups =
        ChildCgroups.detect(
            poolName, profile.maxProcesses(), profile.memoryBytes(), profile.cgroupParent());
    return new ChildSandbox(profile, bwrap, java, List.copyOf(args), List.copyOf(binds), cgroups);
  }

  /** The command to start and the groups it joins, for one child. */
  public record Launch(List<String> command, ChildCgroups.Group group) {}

  /**
   * Child {@code childId}'s command: {@code jvmOptions} and {@code classData} (AppCDS options: an
   * archive in use is bound read-only; a recording gets its one file, writable) go into the java
   * command, which bwrap runs. Makes the child's cgroups: blocking.
   */
  public Launch prepare(int childId, List<String> classData, List<String> javaTail)
      throws IOException {
    List<String> binds = new ArrayList<>();
    List<String> javaCommand = new ArrayList<>();
    javaCommand.add(java.toString());
    for (String option : classData) {
      String value = option.substring(option.indexOf('=') + 1);
      if (option.startsWith("-XX:SharedArchiveFile=") || option.startsWith("-XX:AOTCache=")) {
        binds.addAll(List.of("--ro-bind", value, value));
      } else if (option.startsWith("-XX:ArchiveClassesAtExit=")) {
        Path recording = Path.of(value);
        if (!Files.exists(recording)) {
          Files.createFile(recording); // a bind needs a file to land on; the JVM overwrites it
        }
        binds.addAll(List.of("--bind", value, value));
      } else {
        continue; // an AOT recording writes beside its file and forks: not from a sandbox
      }
      javaCommand.add(option);
    }
    if (profile.memoryBytes() > 0) {
      // The JVM cannot see its cgroup from inside: size the heap from the limit, as in a container.
      javaCommand.add("-XX:MaxRAM=" + profile.memoryBytes());
    }
    javaCommand.addAll(javaTail);
    ChildCgroups.Group group = cgroups.create(childId);
    List<String> command = new ArrayList<>();
    command.addAll(List.of("/bin/sh", "-c", JOIN_AND_EXEC, "procpool-sandbox"));
    command.add(Integer.toString(profile.maxOpenFiles()));
    command.add(Integer.toString(group.procsFiles().size()));
    for (Path file : group.procsFiles()) {
      command.add(file.toString());
    }
    command.add(bwrap.toString());
    command.addAll(fixedArguments);
    List<String> all = new ArrayList<>(this.binds);
    all.addAll(binds);
    List<String> shadows = tmpShadows(all);
    for (String shadow : shadows) {
      command.addAll(List.of("--tmpfs", shadow));
    }
    command.addAll(all);
    command.addAll(List.of("--chdir", "/tmp"));
    for (String shadow : shadows) {
      command.addAll(List.of("--remount-ro", shadow));
    }
    command.addAll(List.of("--remount-ro", "/", "--"));
    command.addAll(javaCommand);
    return new Launch(command, group);
  }

  /**
   * The directories right under /tmp that hold a bind deeper down ({@code /tmp/build-1} for a jar
   * at {@code /tmp/build-1/lib/x.jar}). bwrap would make them in the child's writable /tmp, where a
   * job could then write "into" the master's directory; each gets a tmpfs of its own instead, made
   * read-only once the binds are in.
   */
  private static List<String> tmpShadows(List<String> bindTriples) {
    java.util.Set<String> shadows = new java.util.LinkedHashSet<>();
    for (int i = 0; i + 2 < bindTriples.size(); i += 3) {
      Path destination = Path.of(bindTriples.get(i + 2));
      if (destination.startsWith("/tmp") && destination.getNameCount() > 2) {
        shadows.add(destination.subpath(0, 2).toString().replaceFirst("^", "/"));
      }
    }
    return List.copyOf(shadows);
  }

  /**
   * The child's whole environment: none of the master's (it may hold passwords), only what the pool
   * was told to pass, plus a home, the time zone and the language a JVM would otherwise miss.
   */
  public Map<String, String> environment(Map<String, String> configured) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("HOME", "/tmp");
    environment.put("TZ", ZoneId.systemDefault().getId());
    String lang = System.getenv("LANG");
    if (lang != null) {
      environment.put("LANG", lang);
    }
    environment.putAll(configured);
    return environment;
  }

  /** The profile and what the kernel enforces here, for status pages. */
  public Map<String, String> status() {
    Map<String, String> status = new LinkedHashMap<>(profile.settings());
    status.put("bwrap", bwrap.toString());
    status.put("limits", cgroups.describe());
    return status;
  }

  /** Whether the kernel caps children's processes and memory here. */
  public boolean kernelLimits() {
    return cgroups.enforcing();
  }

  public String limitsDescription() {
    return cgroups.describe();
  }

  /** Removes the pool's cgroups; after the children exited. */
  public void close() {
    cgroups.close();
  }
}
