package dev.procpool.server.cli;

import dev.procpool.Sandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The {@code serve --sandbox*} flags: one per {@link Sandbox.Builder} setting, turned into the
 * pool's {@link Sandbox}. A picocli mixin, so the serve command only mixes it in.
 */
final class SandboxOptions {
  private static final Logger log = LoggerFactory.getLogger(SandboxOptions.class);

  @Option(
      names = "--sandbox",
      description =
          "Run every child in a bubblewrap sandbox (Linux): only the JDK, the job jars and a"
              + " private /tmp in view, no network, kernel limits. See docs/sandbox.md.")
  boolean enabled;

  @Option(
      names = "--sandbox-network",
      description = "With --sandbox: let children use the host's network (databases, services).")
  boolean hostNetwork;

  @Option(
      names = "--sandbox-ro",
      paramLabel = "PATH",
      description = "With --sandbox: also show this absolute path to children, read-only.")
  List<Path> readOnly = new ArrayList<>();

  @Option(
      names = "--sandbox-rw",
      paramLabel = "PATH",
      description = "With --sandbox: also show this absolute path to children, writable.")
  List<Path> writable = new ArrayList<>();

  @Option(
      names = "--sandbox-max-processes",
      description = "With --sandbox: processes and threads per child (cgroup). Default: 512.")
  Integer maxProcesses;

  @Option(
      names = "--sandbox-memory-bytes",
      description =
          "With --sandbox: memory per child, enforced by the kernel; 0 for none. Default: 1 GiB.")
  Long memoryBytes;

  @Option(
      names = "--sandbox-tmp-size-bytes",
      description = "With --sandbox: size of each child's private /tmp. Default: 64 MiB.")
  Long tmpSizeBytes;

  @Option(
      names = "--sandbox-max-open-files",
      description = "With --sandbox: open files per child process. Default: 4096.")
  Integer maxOpenFiles;

  @Option(
      names = "--sandbox-bwrap",
      paramLabel = "PATH",
      description = "With --sandbox: the bubblewrap executable. Default: bwrap on the PATH.")
  Path bwrap;

  @Option(
      names = "--sandbox-cgroup-parent",
      paramLabel = "DIR",
      description = "With --sandbox: a cgroup v2 directory delegated to the server.")
  Path cgroupParent;

  /** The pool's sandbox; IllegalArgumentException for a bad value or a flag without --sandbox. */
  Sandbox profile() {
    if (!enabled) {
      if (hostNetwork
          || !readOnly.isEmpty()
          || !writable.isEmpty()
          || maxProcesses != null
          || memoryBytes != null
          || tmpSizeBytes != null
          || maxOpenFiles != null
          || bwrap != null
          || cgroupParent != null) {
        throw new IllegalArgumentException("--sandbox-* options need --sandbox");
      }
      return Sandbox.off();
    }
    Sandbox.Builder b = Sandbox.builder().hostNetwork(hostNetwork);
    readOnly.forEach(p -> b.readOnly(p.toAbsolutePath()));
    writable.forEach(p -> b.writable(p.toAbsolutePath()));
    if (maxProcesses != null) {
      b.maxProcesses(maxProcesses);
    }
    if (memoryBytes != null) {
      b.memoryBytes(memoryBytes);
    }
    if (tmpSizeBytes != null) {
      b.tmpSizeBytes(tmpSizeBytes);
    }
    if (maxOpenFiles != null) {
      b.maxOpenFiles(maxOpenFiles);
    }
    if (bwrap != null) {
      b.bwrap(bwrap.toAbsolutePath());
    }
    if (cgroupParent != null) {
      b.cgroupParent(cgroupParent.toAbsolutePath());
    }
    return b.build();
  }

  /**
   * Whether sandboxed children can reach {@code jdbcUrl}: not over TCP without the host's network
   * (a pgjdbc unix-socket URL, with a {@code socketFactory}, can). If not, says so once, at start:
   * the children then get no database, so they still start and serve every other job, and the
   * ledger demo's jobs fail.
   */
  static boolean childrenReach(dev.procpool.Sandbox sandbox, String jdbcUrl) {
    if (!sandbox.enabled()
        || sandbox.hostNetwork()
        || !jdbcUrl.contains("//")
        || jdbcUrl.contains("socketFactory")) {
      return true;
    }
    log.warn(
        "--sandbox without --sandbox-network: children cannot reach the database at {}, so they"
            + " get none: the ledger demo's jobs will fail, every other job is served. Add"
            + " --sandbox-network, or bind PostgreSQL's unix socket (see docs/sandbox.md)",
        jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=***"));
    return false;
  }
}
