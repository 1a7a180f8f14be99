package dev.procpool.server.testing;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code flood}: a hostile handler's output, written straight to the process's standard output or
 * error (the master's pipe), whatever the child does with {@code System.out}. Payload {@code line
 * <bytes>}: one line of that many bytes and no newline; {@code lines <count>}: that many short
 * lines on standard error. Returns {@code done}.
 */
public final class Flood implements JobHandler {
  @Override
  public String type() {
    return "flood";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws IOException {
    String[] words = new String(payload, StandardCharsets.UTF_8).trim().split(" ");
    long amount = Long.parseLong(words[1]);
    if (words[0].equals("line")) {
      FileOutputStream out = new FileOutputStream(FileDescriptor.out);
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      for (long left = amount; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
      out.flush();
    } else {
      FileOutputStream err = new FileOutputStream(FileDescriptor.err);
      byte[] line =
          "flooding the master's log with one more line\n".getBytes(StandardCharsets.UTF_8);
      byte[] batch = new byte[line.length * 1000];
      for (int i = 0; i < 1000; i++) {
        System.arraycopy(line, 0, batch, i * line.length, line.length);
      }
      for (long left = amount; left > 0; left -= 1000) {
        err.write(batch, 0, (int) Math.min(1000, left) * line.length);
      }
      err.flush();
    }
    return "done".getBytes(StandardCharsets.UTF_8);
  }
}
