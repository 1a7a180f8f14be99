package dev.procpool.testing;

import java.util.List;
import java.util.stream.Collectors;

/** The test JVM's live descendant processes: after close() there must be none. */
public final class Descendants {
  private Descendants() {}

  public static List<String> alive() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
        .collect(Collectors.toList());
  }
}
