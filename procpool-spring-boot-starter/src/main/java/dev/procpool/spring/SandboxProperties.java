package dev.procpool.spring;

import dev.procpool.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.unit.DataSize;

/**
 * {@code procpool.sandbox.*}: every child in a bubblewrap sandbox (Linux), one property per {@link
 * Sandbox.Builder} setting. Off unless {@code enabled}; unset values take the library's defaults.
 */
public class SandboxProperties {
  /** Run every child in a bubblewrap sandbox, for handlers you do not trust. Off by default. */
  private boolean enabled;

  /** Let children use the host's network (databases, services). Off: their own loopback only. */
  private boolean hostNetwork;

  /** More absolute paths children see, read-only. */
  private List<Path> readOnly = new ArrayList<>();

  /** More absolute paths children see, writable. */
  private List<Path> writable = new ArrayList<>();

  /** Size of each child's private /tmp. Default 64MB. */
  private DataSize tmpSize;

  /** Processes and threads per child, enforced by the kernel. Default 512. */
  private Integer maxProcesses;

  /** Memory per child, enforced by the kernel; 0 for none. Default 1GB. */
  private DataSize memory;

  /** Open files per child process. Default 4096. */
  private Integer maxOpenFiles;

  /** The bubblewrap executable. Default: bwrap on the PATH. */
  private Path bwrap;

  /** A cgroup v2 directory delegated to this application, for the children's groups. */
  private Path cgroupParent;

  /** The library's sandbox for these properties. */
  Sandbox toSandbox() {
    if (!enabled) {
      return Sandbox.off();
    }
    Sandbox.Builder b = Sandbox.builder().hostNetwork(hostNetwork);
    readOnly.forEach(b::readOnly);
    writable.forEach(b::writable);
    if (tmpSize != null) {
      b.tmpSizeBytes(tmpSize.toBytes());
    }
    if (maxProcesses != null) {
      b.maxProcesses(maxProcesses);
    }
    if (memory != null) {
      b.memoryBytes(memory.toBytes());
    }
    if (maxOpenFiles != null) {
      b.maxOpenFiles(maxOpenFiles);
    }
    if (bwrap != null) {
      b.bwrap(bwrap);
    }
    if (cgroupParent != null) {
      b.cgroupParent(cgroupParent);
    }
    return b.build();
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isHostNetwork() {
    return hostNetwork;
  }

  public void setHostNetwork(boolean hostNetwork) {
    this.hostNetwork = hostNetwork;
  }

  public List<Path> getReadOnly() {
    return readOnly;
  }

  public void setReadOnly(List<Path> readOnly) {
    this.readOnly = readOnly;
  }

  public List<Path> getWritable() {
    return writable;
  }

  public void setWritable(List<Path> writable) {
    this.writable = writable;
  }

  public DataSize getTmpSize() {
    return tmpSize;
  }

  public void setTmpSize(DataSize tmpSize) {
    this.tmpSize = tmpSize;
  }

  public Integer getMaxProcesses() {
    return maxProcesses;
  }

  public void setMaxProcesses(Integer maxProcesses) {
    this.maxProcesses = maxProcesses;
  }

  public DataSize getMemory() {
    return memory;
  }

  public void setMemory(DataSize memory) {
    this.memory = memory;
  }

  public Integer getMaxOpenFiles() {
    return maxOpenFiles;
  }

  public void setMaxOpenFiles(Integer maxOpenFiles) {
    this.maxOpenFiles = maxOpenFiles;
  }

  public Path getBwrap() {
    return bwrap;
  }

  public void setBwrap(Path bwrap) {
    this.bwrap = bwrap;
  }

  public Path getCgroupParent() {
    return cgroupParent;
  }

  public void setCgroupParent(Path cgroupParent) {
    this.cgroupParent = cgroupParent;
  }
}
