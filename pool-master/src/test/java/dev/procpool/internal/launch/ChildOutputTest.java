package dev.procpool.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChildOutputTest {
  private final List<String> logged = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong();

  private List<String> run(InputStream in) {
    ChildOutput output = new ChildOutput("c", in, (p, l) -> logged.add(l), clock::get);
    output.run();
    return output.ended().join();
  }

  private static InputStream text(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code bytes} of 'x' with no newline, then {@code end}; made as it is read, never held. */
  private static InputStream endless(long bytes, String end) {
    byte[] tail = end.getBytes(StandardCharsets.UTF_8);
    return new InputStream() {
      long position;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0];
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (position >= bytes + tail.length) {
          return -1;
        }
        int n = 0;
        while (n < len && position < bytes + tail.length) {
          b[off + n++] = position < bytes ? (byte) 'x' : tail[(int) (position - bytes)];
          position++;
        }
        return n;
      }
    };
  }

  @Test
  void lines_areLogged_andTheTailKept() {
    List<String> tail = run(text("a\nb\r\nc"));
    assertEquals(List.of("a", "b", "c"), logged);
    assertEquals(List.of("a", "b", "c"), tail);
  }

  @Test
  void endlessLine_isCutWhileReading_andTheNextLineStillComes() {
    List<String> tail = run(endless(16L * 1024 * 1024, "\nnext\n"));
    assertEquals(2, logged.size(), "one cut line, then the next: " + logged.size());
    assertTrue(logged.get(0).startsWith("x".repeat(ChildOutput.MAX_LINE_BYTES)));
    assertTrue(logged.get(0).endsWith("(cut at 8192 bytes)"), logged.get(0).substring(8000));
    assertEquals("next", logged.get(1));
    assertEquals(2, tail.size());
  }

  @Test
  void flood_isRateLimited_thenSaysHowManyWereDropped() {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      lines.append("line ").append(i).append('\n');
    }
    List<String> tail = run(text(lines.toString()));
    assertEquals(ChildOutput.LINES_PER_SECOND + 1, logged.size());
    assertEquals("line 99", logged.get(99));
    assertEquals("900 lines dropped (more than 100 a second)", logged.get(100));
    assertEquals(ChildOutput.TAIL_LINES, tail.size());
    assertEquals("line 999", tail.get(tail.size() - 1), "the tail keeps dropped lines too");
  }

  @Test
  void nextSecond_logsAgain_afterTheDroppedCount() {
    // The clock is read once per line (and once at the start): a second passes at line 150.
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    ChildOutput output =
        new ChildOutput(
            "c",
            text("l\n".repeat(160)),
            (p, l) -> logged.add(l),
            () -> reads.getAndIncrement() > 150 ? 1_000_000_000L : 0L);
    output.run();
    assertEquals("50 lines dropped (more than 100 a second)", logged.get(100));
    assertEquals(100 + 1 + 10, logged.size());
  }
}
