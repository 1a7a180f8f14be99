package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.nio.charset.StandardCharsets;

/** {@code sleep}: blocks for the payload's milliseconds (text, at most one minute), returns it. */
public final class Sleep implements JobHandler {
  static final long MAX_MILLIS = 60_000;

  @Override
  public String type() {
    return "sleep";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) throws InterruptedException {
    String text = new String(payload, StandardCharsets.UTF_8).trim();
    long millis;
    try {
      millis = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("sleep wants milliseconds as text, got '" + text + "'");
    }
    if (millis < 0 || millis > MAX_MILLIS) {
      throw new IllegalArgumentException("sleep takes 0.." + MAX_MILLIS + " ms, got " + millis);
    }
    Thread.sleep(millis);
    return payload;
  }
}
