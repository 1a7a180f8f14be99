package com.example.app;

import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs 1,000 jobs through a pool of two children; exits 1 if anything is off. */
public final class Main {
  public static void main(String[] args) throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).start()) {
      List<CompletableFuture<byte[]>> replies = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        replies.add(pool.submit(Job.of("reverse", ("job-" + i).getBytes(StandardCharsets.UTF_8))));
      }
      Set<String> pids = new HashSet<>();
      for (int i = 0; i < replies.size(); i++) {
        String[] reply = new String(replies.get(i).get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8).split(":", 2);
        check(reply[1].equals(new StringBuilder("job-" + i).reverse().toString()), "wrong reply " + reply[1]);
        pids.add(reply[0]);
      }
      check(!pids.contains(Long.toString(ProcessHandle.current().pid())), "a job ran in the application's process");
      check(unknown(pool, "echo") && unknown(pool, "ledger.open"), "the library served a demo handler");
      check(System.getProperty("logback.configurationFile") == null, "the library set a system property");
      System.out.println("1000 jobs reversed by children " + pids);
    }
  }

  private static boolean unknown(ProcessPool pool, String type) throws InterruptedException {
    try {
      pool.submit(Job.of(type, new byte[0])).get(60, TimeUnit.SECONDS);
      return false;
    } catch (ExecutionException e) {
      return e.getCause() instanceof PoolException && ((PoolException) e.getCause()).code() == FailureCode.UNKNOWN_JOB_TYPE;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      System.err.println("FAILED: " + what);
      System.exit(1);
    }
  }
}
