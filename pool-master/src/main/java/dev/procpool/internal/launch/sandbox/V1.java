package dev.procpool.internal.launch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cgroup v1: a group per child in the {@code pids} and {@code memory} hierarchies, below the
 * master's own groups there (so a limit set on the master's group still holds). Needs write access
 * to those hierarchies: root on most hosts.
 */
final class V1 extends ChildCgroups {
  private final Path pids;
  private final Path memory;
  private final int maxProcesses;
  private final long memoryBytes;

  private V1(Path pids, Path memory, int maxProcesses, long memoryBytes) {
    this.pids = pids;
    this.memory = memory;
    this.maxProcesses = maxProcesses;
    this.memoryBytes = memoryBytes;
  }

  static V1 open(String own, int maxProcesses, long memoryBytes) throws IOException {
    Path pids = poolGroup("pids", own);
    Path memory = null;
    try {
      memory = memoryBytes > 0 ? poolGroup("memory", own) : null;
    } catch (IOException e) {
      Files.deleteIfExists(pids);
      throw e;
    }
    return new V1(pids, memory, maxProcesses, memoryBytes);
  }

  private static Path poolGroup(String controller, String own) throws IOException {
    Path mount = Path.of("/sys/fs/cgroup", controller);
    if (!Files.isRegularFile(mount.resolve("cgroup.procs"))) {
      throw new IOException("no " + controller + " hierarchy at " + mount);
    }
    Path group = mount.resolve(ownPath(controller)).resolve("procpool-" + own);
    try {
      Files.createDirectories(group);
    } catch (IOException e) {
      throw new IOException("cannot create " + group + " (" + e + ")", e);
    }
    return group;
  }

  @Override
  public String describe() {
    return "cgroup v1: pids.max "
        + maxProcesses
        + (memory == null ? ", no memory limit" : ", memory.limit_in_bytes " + mib(memoryBytes))
        + " per child, under "
        + pids
        + (memory == null ? "" : " and " + memory);
  }

  @Override
  public boolean enforcing() {
    return true;
  }

  @Override
  public Group create(int childId) throws IOException {
    List<Path> directories = new ArrayList<>(2);
    try {
      Path p = pids.resolve("child-" + childId);
      Files.createDirectories(p);
      directories.add(p);
      write(p.resolve("pids.max"), Integer.toString(maxProcesses));
      Path m = null;
      if (memory != null) {
        m = memory.resolve("child-" + childId);
        Files.createDirectories(m);
        directories.add(m);
        write(m.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
        if (Files.exists(m.resolve("memory.memsw.limit_in_bytes"))) {
          // Swap would let a child use memory past its limit.
          write(m.resolve("memory.memsw.limit_in_bytes"), Long.toString(memoryBytes));
        }
      }
      return new ChildGroup(p, m, directories);
    } catch (IOException e) {
      removeDirectories(directories);
      throw e;
    }
  }

  private final class ChildGroup implements Group {
    private final Path pidsGroup;
    private final Path memoryGroup;
    private final List<Path> directories;

    ChildGroup(Path pidsGroup, Path memoryGroup, List<Path> directories) {
      this.pidsGroup = pidsGroup;
      this.memoryGroup = memoryGroup;
      this.directories = directories;
    }

    @Override
    public List<Path> procsFiles() {
      List<Path> files = new ArrayList<>(2);
      for (Path directory : directories) {
        files.add(directory.resolve("cgroup.procs"));
      }
      return files;
    }

    @Override
    public String limitHit() {
      List<String> hits = new ArrayList<>(2);
      long forks = counter(pidsGroup.resolve("pids.events"), "max");
      if (forks > 0) {
        hits.add("its process/thread limit (pids.max " + maxProcesses + "; " + forks + " refused)");
      }
      if (memoryGroup != null) {
        long kills = counter(memoryGroup.resolve("memory.oom_control"), "oom_kill");
        if (kills > 0) {
          hits.add(
              "its memory limit ("
                  + mib(memoryBytes)
                  + "; the kernel's OOM killer ended "
                  + kills
                  + " process(es))");
        }
      }
      return hits.isEmpty() ? null : String.join(" and ", hits);
    }

    @Override
    public void remove() {
      removeDirectories(directories);
    }
  }

  @Override
  public void close() {
    List<Path> pool = new ArrayList<>(2);
    pool.add(pids);
    if (memory != null) {
      pool.add(memory);
    }
    removeDirectories(pool);
  }
}
