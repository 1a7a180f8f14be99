package dev.procpool.internal.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a child's standard output and error (merged), line by line, prefixed with the child's id,
 * and keeps its last {@link #TAIL_LINES} lines for the crash report: {@link #follow} returns them
 * when the output ends. One daemon thread per child, ending when the child does. Draining the pipe
 * also keeps a chatty handler from blocking on a full pipe buffer.
 *
 * <p>A child's output is not trusted: it is read in chunks of {@link #CHUNK_BYTES} and a line is
 * cut at {@link #MAX_LINE_BYTES} while it is read (the rest, up to the newline, is skipped), so an
 * endless line costs no memory; and at most {@link #LINES_PER_SECOND} lines a second are logged,
 * then one "N lines dropped" line, so a flood cannot fill the disk or the log's thread. The
 * master's memory for a child's output is bounded by the chunk, one line and the tail.
 */
final class ChildOutput implements Runnable {
  private static final Logger log = LoggerFactory.getLogger("dev.procpool.child");
  static final int CHUNK_BYTES = 8192;
  static final int MAX_LINE_BYTES = 8192;
  static final int TAIL_LINES = 20;
  static final int LINES_PER_SECOND = 100;

  private final String prefix;
  private final InputStream in;
  private final Sink sink;
  private final LongSupplier nanoTime;
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<List<String>> ended = new CompletableFuture<>();

  private final byte[] line = new byte[MAX_LINE_BYTES];
  private int lineLength;
  private boolean skippingRestOfLine;

  /** Rate limit: lines logged in the current one-second window, and lines dropped so far. */
  private long windowStart;

  private int loggedInWindow;
  private long dropped;

  /** Where lines go: the log in production, a list in tests. */
  interface Sink {
    void line(String prefix, String line);
  }

  ChildOutput(String prefix, InputStream in, Sink sink, LongSupplier nanoTime) {
    this.prefix = prefix;
    this.in = in;
    this.sink = sink;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /** Follows the child's output; the future completes with its last lines when it ends. */
  static CompletableFuture<List<String>> follow(String poolName, int childId, Process process) {
    String prefix = poolName + " child " + childId + " (pid " + process.pid() + ")";
    ChildOutput output =
        new ChildOutput(
            prefix, process.getInputStream(), (p, l) -> log.info("{}: {}", p, l), System::nanoTime);
    Thread thread = new Thread(output, poolName + "-child-" + childId + "-output");
    thread.setDaemon(true);
    thread.start();
    return output.ended;
  }

  CompletableFuture<List<String>> ended() {
    return ended;
  }

  @Override
  public void run() {
    byte[] chunk = new byte[CHUNK_BYTES];
    try (InputStream input = in) {
      for (int n = input.read(chunk); n >= 0; n = input.read(chunk)) {
        for (int i = 0; i < n; i++) {
          accept(chunk[i]);
        }
      }
      if (lineLength > 0) {
        endLine(false);
      }
    } catch (IOException e) {
      log.debug("{}: output closed: {}", prefix, e.toString());
    } finally {
      if (dropped > 0) {
        sink.line(prefix, dropped + " lines dropped (more than " + LINES_PER_SECOND + " a second)");
      }
      ended.complete(List.copyOf(tail));
    }
  }

  private void accept(byte b) {
    if (b == '\n') {
      if (skippingRestOfLine) {
        skippingRestOfLine = false;
      } else {
        endLine(false);
      }
      return;
    }
    if (skippingRestOfLine) {
      return;
    }
    line[lineLength++] = b;
    if (lineLength == MAX_LINE_BYTES) {
      endLine(true); // cut now: the rest of this line may never end
      skippingRestOfLine = true;
    }
  }

  private void endLine(boolean cut) {
    int length = lineLength;
    if (!cut && length > 0 && line[length - 1] == '\r') {
      length--;
    }
    String text = new String(line, 0, length, StandardCharsets.UTF_8);
    lineLength = 0;
    if (cut) {
      text += "... (cut at " + MAX_LINE_BYTES + " bytes)";
    }
    if (tail.size() == TAIL_LINES) {
      tail.pollFirst();
    }
    tail.addLast(text);
    log(text);
  }

  private void log(String text) {
    long now = nanoTime.getAsLong();
    if (now - windowStart >= 1_000_000_000L) {
      windowStart = now;
      loggedInWindow = 0;
      if (dropped > 0) {
        sink.line(prefix, dropped + " lines dropped (more than " + LINES_PER_SECOND + " a second)");
        dropped = 0;
      }
    }
    if (loggedInWindow < LINES_PER_SECOND) {
      loggedInWindow++;
      sink.line(prefix, text);
    } else {
      dropped++;
    }
  }
}
