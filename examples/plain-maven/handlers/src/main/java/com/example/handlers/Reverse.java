package com.example.handlers;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import java.nio.charset.StandardCharsets;

/** Reverses text, in a child JVM; answers "pid:reversed" so the caller can see where it ran. */
public final class Reverse implements JobHandler {
  @Override
  public String type() {
    return "reverse";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext context) {
    String text = new StringBuilder(new String(payload, StandardCharsets.UTF_8)).reverse().toString();
    return (ProcessHandle.current().pid() + ":" + text).getBytes(StandardCharsets.UTF_8);
  }
}
