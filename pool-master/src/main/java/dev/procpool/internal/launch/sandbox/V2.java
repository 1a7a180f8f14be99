package dev.procpool.internal.launch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cgroup v2: a group per child below a pool group, made under a parent whose {@code pids} and
 * {@code memory} controllers the master may hand down: the configured parent, else the master's own
 * group if it was delegated that way (systemd's {@code Delegate=yes} on a unit whose processes sit
 * in a leaf), else the root (the master runs as root). The master never moves itself.
 */
final class V2 extends ChildCgroups {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final Path pool;
  private final int maxProcesses;
  private final long memoryBytes;

  private V2(Path pool, int maxProcesses, long memoryBytes) {
    this.pool = pool;
    this.maxProcesses = maxProcesses;
    this.memoryBytes = memoryBytes;
  }

  static V2 open(String own, int maxProcesses, long memoryBytes, Path configured)
      throws IOException {
    List<Path> parents = new ArrayList<>(3);
    if (configured != null) {
      parents.add(configured);
    } else {
      parents.add(ROOT.resolve(ownPath("")));
      parents.add(ROOT);
    }
    List<String> refusals = new ArrayList<>(3);
    for (Path parent : parents) {
      Path pool = parent.resolve("procpool-" + own);
      try {
        if (!read(parent.resolve("cgroup.controllers")).contains("pids")
            || memoryBytes > 0 && !read(parent.resolve("cgroup.controllers")).contains("memory")) {
          throw new IOException("controllers pids and memory are not available in " + parent);
        }
        Files.createDirectories(pool);
        // The pool's group holds no process, so it may hand its controllers down to children's.
        if (!read(parent.resolve("cgroup.subtree_control")).contains("pids")
            || memoryBytes > 0
                && !read(parent.resolve("cgroup.subtree_control")).contains("memory")) {
          throw new IOException(
              "pids and memory are not enabled in " + parent + "/cgroup.subtree_control");
        }
        write(pool.resolve("cgroup.subtree_control"), memoryBytes > 0 ? "+pids +memory" : "+pids");
        return new V2(pool, maxProcesses, memoryBytes);
      } catch (IOException e) {
        refusals.add(e.getMessage());
        try {
          Files.deleteIfExists(pool);
        } catch (IOException ignored) {
          // not ours to worry about: it was never usable
        }
      }
    }
    throw new IOException(String.join("; ", refusals));
  }

  @Override
  public String describe() {
    return "cgroup v2: pids.max "
        + maxProcesses
        + (memoryBytes > 0 ? ", memory.max " + mib(memoryBytes) : ", no memory limit")
        + " per child, under "
        + pool;
  }

  @Override
  public boolean enforcing() {
    return true;
  }

  @Override
  public Group create(int childId) throws IOException {
    Path group = pool.resolve("child-" + childId);
    Files.createDirectories(group);
    try {
      write(group.resolve("pids.max"), Integer.toString(maxProcesses));
      if (memoryBytes > 0) {
        write(group.resolve("memory.max"), Long.toString(memoryBytes));
        if (Files.exists(group.resolve("memory.swap.max"))) {
          write(group.resolve("memory.swap.max"), "0"); // swap would stretch the limit
        }
      }
    } catch (IOException e) {
      removeDirectories(List.of(group));
      throw e;
    }
    return new Group() {
      @Override
      public List<Path> procsFiles() {
        return List.of(group.resolve("cgroup.procs"));
      }

      @Override
      public String limitHit() {
        List<String> hits = new ArrayList<>(2);
        long forks = counter(group.resolve("pids.events"), "max");
        if (forks > 0) {
          hits.add(
              "its process/thread limit (pids.max " + maxProcesses + "; " + forks + " refused)");
        }
        long kills = counter(group.resolve("memory.events"), "oom_kill");
        if (kills > 0) {
          hits.add(
              "its memory limit ("
                  + mib(memoryBytes)
                  + "; the kernel's OOM killer ended "
                  + kills
                  + " process(es))");
        }
        return hits.isEmpty() ? null : String.join(" and ", hits);
      }

      @Override
      public void remove() {
        removeDirectories(List.of(group));
      }
    };
  }

  @Override
  public void close() {
    removeDirectories(List.of(pool));
  }
}
