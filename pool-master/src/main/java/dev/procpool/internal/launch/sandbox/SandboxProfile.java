package dev.procpool.internal.launch.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The public {@code dev.procpool.Sandbox}, already validated, in the launcher's terms. A copy
 * rather than the public type, so the internals never depend on the API package (that would be a
 * package cycle: the API builds the internals).
 *
 * @param settings every setting by name, for status pages and the start-up log
 */
public record SandboxProfile(
    boolean enabled,
    boolean hostNetwork,
    List<Path> readOnly,
    List<Path> writable,
    long tmpSizeBytes,
    int maxProcesses,
    long memoryBytes,
    int maxOpenFiles,
    Path bwrap,
    Path cgroupParent,
    Map<String, String> settings) {

  /** No sandbox. */
  public static final SandboxProfile OFF =
      new SandboxProfile(false, false, List.of(), List.of(), 0, 0, 0, 0, null, null, Map.of());

  public SandboxProfile {
    readOnly = List.copyOf(readOnly);
    writable = List.copyOf(writable);
    settings = Map.copyOf(settings);
  }
}
