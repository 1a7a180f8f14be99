package dev.procpool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs every child in an operating-system sandbox (bubblewrap, Linux only), for handlers you do not
 * trust. Immutable; build one with {@link #builder()} or take the strict default, {@link
 * #strict()}.
 *
 * <p>A sandboxed child sees only the JDK it runs on and its class path (read-only), the socket
 * directory of its pool, a private size-capped {@code /tmp}, its own {@code /proc} and a minimal
 * {@code /dev}: no shell, no home, no {@code /etc}, no other process, no network but its own
 * loopback. It runs with no capabilities, in its own session, and dies with the master. The kernel
 * caps its processes/threads and memory (cgroups, where the master may create them) and its open
 * files; it writes no core dumps. See {@code docs/sandbox.md} for what this stops and what it does
 * not.
 *
 * <pre>{@code
 * ProcessPool.builder()
 *     .sandbox(Sandbox.builder().readOnly(Path.of("/srv/models")).memoryBytes(512L << 20).build())
 *     .start();
 * }</pre>
 */
public final class Sandbox {
  private static final Sandbox OFF = new Sandbox(false, new Builder());
  private static final Sandbox STRICT = new Sandbox(true, new Builder());

  private final boolean enabled;
  private final boolean hostNetwork;
  private final List<Path> readOnly;
  private final List<Path> writable;
  private final long tmpSizeBytes;
  private final int maxProcesses;
  private final long memoryBytes;
  private final int maxOpenFiles;
  private final Path bwrap;
  private final Path cgroupParent;

  private Sandbox(boolean enabled, Builder b) {
    this.enabled = enabled;
    this.hostNetwork = b.hostNetwork;
    this.readOnly = List.copyOf(b.readOnly);
    this.writable = List.copyOf(b.writable);
    this.tmpSizeBytes = b.tmpSizeBytes;
    this.maxProcesses = b.maxProcesses;
    this.memoryBytes = b.memoryBytes;
    this.maxOpenFiles = b.maxOpenFiles;
    this.bwrap = b.bwrap;
    this.cgroupParent = b.cgroupParent;
  }

  /** No sandbox: children run as the master's user, with its view of the machine. The default. */
  public static Sandbox off() {
    return OFF;
  }

  /** The strict profile with every default below: no network, nothing bound beyond the child's. */
  public static Sandbox strict() {
    return STRICT;
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean enabled() {
    return enabled;
  }

  public boolean hostNetwork() {
    return hostNetwork;
  }

  public List<Path> readOnly() {
    return readOnly;
  }

  public List<Path> writable() {
    return writable;
  }

  public long tmpSizeBytes() {
    return tmpSizeBytes;
  }

  public int maxProcesses() {
    return maxProcesses;
  }

  /** The kernel's memory limit per child, 0 for none. */
  public long memoryBytes() {
    return memoryBytes;
  }

  public int maxOpenFiles() {
    return maxOpenFiles;
  }

  /** The bubblewrap executable, or null to look for {@code bwrap} on the {@code PATH}. */
  public Path bwrap() {
    return bwrap;
  }

  /** The cgroup (v2) under which children's groups are made, or null to find one. */
  public Path cgroupParent() {
    return cgroupParent;
  }

  /** Every setting by name, for status pages and the start-up log; empty when off. */
  public Map<String, String> settings() {
    Map<String, String> settings = new LinkedHashMap<>();
    if (!enabled) {
      return settings;
    }
    settings.put("network", hostNetwork ? "host" : "none (own loopback only)");
    settings.put("readOnly", readOnly.toString());
    settings.put("writable", writable.toString());
    settings.put("tmpSizeBytes", Long.toString(tmpSizeBytes));
    settings.put("maxProcesses", Integer.toString(maxProcesses));
    settings.put("memoryBytes", memoryBytes == 0 ? "none" : Long.toString(memoryBytes));
    settings.put("maxOpenFiles", Integer.toString(maxOpenFiles));
    settings.put("coreBytes", "0");
    settings.put("bwrap", bwrap == null ? "bwrap on PATH" : bwrap.toString());
    if (cgroupParent != null) {
      settings.put("cgroupParent", cgroupParent.toString());
    }
    return settings;
  }

  @Override
  public String toString() {
    return enabled ? "Sandbox" + settings() : "Sandbox[off]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sandbox s && s.enabled == enabled && s.settings().equals(settings());
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, settings());
  }

  /**
   * The profile's options. Each setter rejects a bad value with {@link IllegalArgumentException}
   * naming it. Not thread-safe.
   */
  public static final class Builder {
    private boolean hostNetwork;
    private final List<Path> readOnly = new ArrayList<>();
    private final List<Path> writable = new ArrayList<>();
    private long tmpSizeBytes = 64L << 20;
    private int maxProcesses = 512;
    private long memoryBytes = 1L << 30;
    private int maxOpenFiles = 4096;
    private Path bwrap;
    private Path cgroupParent;

    private Builder() {}

    /**
     * Share the host's network (and its loopback: databases, the server's own port). Default: off,
     * the child has only a loopback of its own.
     */
    public Builder hostNetwork(boolean allow) {
      this.hostNetwork = allow;
      return this;
    }

    /** Also show {@code path} (absolute; a file or directory) to children, read-only. */
    public Builder readOnly(Path path) {
      readOnly.add(absolute("readOnly", path));
      return this;
    }

    /** Also show {@code path} (absolute) to children, writable: a scratch volume, a socket. */
    public Builder writable(Path path) {
      writable.add(absolute("writable", path));
      return this;
    }

    /** Size cap of each child's private {@code /tmp}. Default 64 MiB; at least 1 MiB. */
    public Builder tmpSizeBytes(long bytes) {
      if (bytes < 1L << 20) {
        throw new IllegalArgumentException("tmpSizeBytes must be >= 1048576: " + bytes);
      }
      this.tmpSizeBytes = bytes;
      return this;
    }

    /**
     * Processes and threads per child, enforced by the kernel (cgroup {@code pids.max}). Default
     * 512; at least 64, since a JVM runs some 20-40 threads of its own.
     */
    public Builder maxProcesses(int max) {
      if (max < 64) {
        throw new IllegalArgumentException("maxProcesses must be >= 64: " + max);
      }
      this.maxProcesses = max;
      return this;
    }

    /**
     * Memory per child (every process in its sandbox), enforced by the kernel's cgroup: past it,
     * the kernel's OOM killer ends the child. The JVM sizes its heap from it ({@code -XX:MaxRAM}),
     * unless you give {@code -Xmx}. Default 1 GiB; 0 for none; otherwise at least 64 MiB.
     */
    public Builder memoryBytes(long bytes) {
      if (bytes != 0 && bytes < 64L << 20) {
        throw new IllegalArgumentException("memoryBytes must be 0 or >= 67108864: " + bytes);
      }
      this.memoryBytes = bytes;
      return this;
    }

    /** Open files per process (RLIMIT_NOFILE, soft and hard). Default 4096; at least 64. */
    public Builder maxOpenFiles(int max) {
      if (max < 64) {
        throw new IllegalArgumentException("maxOpenFiles must be >= 64: " + max);
      }
      this.maxOpenFiles = max;
      return this;
    }

    /** The bubblewrap executable. Default: {@code bwrap} on the {@code PATH}. */
    public Builder bwrap(Path executable) {
      this.bwrap = absolute("bwrap", executable);
      return this;
    }

    /**
     * A cgroup v2 directory delegated to the master (controllers {@code pids} and {@code memory}
     * enabled for its children), under which each child gets a group. Default: found (see {@code
     * docs/sandbox.md}).
     */
    public Builder cgroupParent(Path directory) {
      this.cgroupParent = absolute("cgroupParent", directory);
      return this;
    }

    public Sandbox build() {
      return new Sandbox(true, this);
    }

    private static Path absolute(String field, Path path) {
      Objects.requireNonNull(path, field);
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException(field + " must be an absolute path: " + path);
      }
      if (path.normalize().getNameCount() == 0) {
        throw new IllegalArgumentException(field + " must not be the root directory: " + path);
      }
      return path.normalize();
    }
  }
}
