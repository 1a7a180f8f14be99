package dev.procpool.examples.boot;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Runs in a child JVM: upper-cases the text and says which process did it. */
public final class UpperHandler implements JobHandler {
  @Override
  public String type() {
    return "upper";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext context) {
    String text = new String(payload, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    return (ProcessHandle.current().pid() + ":" + text).getBytes(StandardCharsets.UTF_8);
  }
}
