package dev.procpool.server.demo;

import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;

/** {@code echo}: returns its payload. The cheapest job there is: it measures procpool itself. */
public final class Echo implements JobHandler {
  @Override
  public String type() {
    return "echo";
  }

  @Override
  public byte[] handle(byte[] payload, JobContext ctx) {
    return payload;
  }
}
