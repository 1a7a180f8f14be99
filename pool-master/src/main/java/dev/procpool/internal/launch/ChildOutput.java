package dev.procpool.internal.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a child's standard output and error (merged), line by line, prefixed with the child's id,
 * and keeps its last {@link #TAIL_LINES} lines for the crash report: {@link #follow} returns them
 * when the output ends. One daemon thread per child, ending when the child does. Draining the pipe
 * also keeps a chatty handler from blocking on a full pipe buffer.
 */
final class ChildOutput implements Runnable {
  private static final Logger log = LoggerFactory.getLogger("dev.procpool.child");
  private static final int MAX_LINE_CHARS = 8192;
  static final int TAIL_LINES = 20;

  private final String prefix;
  private final Process process;
  private final java.util.ArrayDeque<String> tail = new java.util.ArrayDeque<>();
  private final java.util.concurrent.CompletableFuture<java.util.List<String>> ended =
      new java.util.concurrent.CompletableFuture<>();

  private ChildOutput(String prefix, Process process) {
    this.prefix = prefix;
    this.process = process;
  }

  /** Follows the child's output; the future completes with its last lines when it ends. */
  static java.util.concurrent.CompletableFuture<java.util.List<String>> follow(
      String poolName, int childId, Process process) {
    String prefix = poolName + " child " + childId + " (pid " + process.pid() + ")";
    ChildOutput output = new ChildOutput(prefix, process);
    Thread thread = new Thread(output, poolName + "-child-" + childId + "-output");
    thread.setDaemon(true);
    thread.start();
    return output.ended;
  }

  @Override
  public void run() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.length() > MAX_LINE_CHARS) {
          line = line.substring(0, MAX_LINE_CHARS) + "... (truncated)";
        }
        log.info("{}: {}", prefix, line);
        if (tail.size() == TAIL_LINES) {
          tail.pollFirst();
        }
        tail.addLast(line);
      }
    } catch (IOException e) {
      log.debug("{}: output closed: {}", prefix, e.toString());
    } finally {
      ended.complete(java.util.List.copyOf(tail));
    }
  }
}
