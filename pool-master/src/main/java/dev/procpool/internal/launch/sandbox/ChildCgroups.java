package dev.procpool.internal.launch.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's process and memory limits for sandboxed children: one cgroup per child, made by the
 * master under a group of the pool's own, with {@code pids.max} and the memory limit written before
 * the child starts (its launcher joins the group before it execs bubblewrap, so every process of
 * the child is inside). cgroup v2 where it is mounted alone and a parent is delegated (or the
 * master may write the root); v1 {@code pids} and {@code memory} hierarchies otherwise (root on
 * hybrid hosts). Where neither works, {@link #detect} returns a null object that sets nothing and
 * says why.
 *
 * <p>Blocking file IO: call from the launcher's blocking threads or at start, never the loop.
 * Thread-safe.
 */
public abstract class ChildCgroups {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  /** The groups of one child. */
  public interface Group {
    /** The {@code cgroup.procs} files the child's launcher writes its pid into. */
    List<Path> procsFiles();

    /** The limit the child hit, in words, or null: read before {@link #remove}. */
    String limitHit();

    /** Removes the groups once empty; a busy group is retried at the next removal. */
    void remove();
  }

  /** What the kernel enforces here, in words, for the start-up log and status. */
  public abstract String describe();

  /** Whether children get kernel limits. */
  public abstract boolean enforcing();

  /** Makes child {@code childId}'s groups with their limits. */
  public abstract Group create(int childId) throws IOException;

  /** Removes the pool's groups (after its children exited). */
  public abstract void close();

  /** The best cgroup setup this host allows the master, or one that sets nothing and says why. */
  public static ChildCgroups detect(
      String poolName, int maxProcesses, long memoryBytes, Path cgroupParent) {
    String own = poolName.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + ProcessHandle.current().pid();
    String v2Refusal;
    try {
      if (cgroupParent != null || Files.exists(ROOT.resolve("cgroup.controllers"))) {
        return V2.open(own, maxProcesses, memoryBytes, cgroupParent);
      }
      v2Refusal = "cgroup v2 is not mounted at " + ROOT + " with controllers";
    } catch (IOException | RuntimeException e) {
      v2Refusal = "cgroup v2: " + e.getMessage();
    }
    try {
      return V1.open(own, maxProcesses, memoryBytes);
    } catch (IOException | RuntimeException e) {
      return new None(v2Refusal + "; cgroup v1: " + e.getMessage());
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  static void write(Path file, String value) throws IOException {
    try {
      Files.writeString(file, value, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IOException("cannot write " + value.trim() + " to " + file + ": " + e, e);
    }
  }

  /** The number after {@code key} in a flat-keyed file ("max 3\n"), 0 if absent. */
  static long counter(Path file, String key) {
    for (String line : read(file).split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2 && kv[0].equals(key)) {
        try {
          return Long.parseLong(kv[1]);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** This process's group in hierarchy {@code controller} ("" for v2) from /proc/self/cgroup. */
  static String ownPath(String controller) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] parts = line.split(":", 3);
      if (parts.length == 3 && List.of(parts[1].split(",")).contains(controller)
          || parts.length == 3 && controller.isEmpty() && parts[1].isEmpty()) {
        return parts[2].startsWith("/") ? parts[2].substring(1) : parts[2];
      }
    }
    throw new IOException("no " + (controller.isEmpty() ? "v2" : controller) + " line");
  }

  /** Directories left busy by a child's last processes, retried at the next removal. */
  final Set<Path> busy = ConcurrentHashMap.newKeySet();

  void removeDirectories(List<Path> directories) {
    // Children's leftovers first: a pool's group can go only once its children's are gone.
    List<Path> all = new ArrayList<>(busy);
    all.addAll(directories);
    for (Path directory : all) {
      try {
        Files.deleteIfExists(directory);
        busy.remove(directory);
      } catch (IOException e) {
        busy.add(directory); // still has a process on its way out
      }
    }
  }

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  /** No kernel limits here: says why, sets nothing. */
  static final class None extends ChildCgroups {
    private final String why;

    None(String why) {
      this.why = why;
    }

    @Override
    public String describe() {
      return "no kernel process or memory limits ("
          + why
          + "); children rely on the JVM's options and recycleAboveRssBytes";
    }

    @Override
    public boolean enforcing() {
      return false;
    }

    @Override
    public Group create(int childId) {
      return new Group() {
        @Override
        public List<Path> procsFiles() {
          return List.of();
        }

        @Override
        public String limitHit() {
          return null;
        }

        @Override
        public void remove() {}
      };
    }

    @Override
    public void close() {}
  }
}
