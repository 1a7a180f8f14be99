package dev.procpool.testing;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A master in its own JVM, for tests that kill the master: starts N children, prints {@code child
 * <pid>} for each, one of them busy with a hanging job, then waits to be killed.
 */
public final class StandaloneMaster {
  public static void main(String[] args) throws Exception {
    int children = Integer.parseInt(args[0]);
    ProcessPool pool = ProcessPool.builder().children(children).start();
    // Jobs that overlap in time land on different children.
    List<CompletableFuture<byte[]>> spans = new ArrayList<>();
    for (int i = 0; i < children; i++) {
      spans.add(pool.submit(Job.of("span", "300".getBytes(StandardCharsets.UTF_8))));
    }
    Set<String> pids = new HashSet<>();
    for (CompletableFuture<byte[]> span : spans) {
      pids.add(new String(span.get(), StandardCharsets.UTF_8).split(":")[0]);
    }
    pool.submit(Job.of("hang", new byte[0])); // one child stuck in a job that never returns
    for (String pid : pids) {
      System.out.println("child " + pid);
    }
    System.out.flush();
    Thread.sleep(120_000); // bounded: the test kills us long before
    pool.close();
  }
}
