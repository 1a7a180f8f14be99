package dev.procpool.server.http;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A backend the test steers: each job's future is kept for the test to complete. */
final class FakeBackend implements Backend {
  final List<Job<byte[]>> submitted = new ArrayList<>();
  final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
  final AtomicInteger statusCalls = new AtomicInteger();
  volatile String problem;
  volatile Supplier<CompletableFuture<Map<String, Object>>> status =
      () -> CompletableFuture.completedFuture(Map.of("pool", "fake"));

  /** What the next submit returns; null for a fresh, pending future. */
  volatile CompletableFuture<byte[]> next;

  @Override
  public CompletableFuture<byte[]> submit(Job<byte[]> job) {
    submitted.add(job);
    CompletableFuture<byte[]> future = next != null ? next : new CompletableFuture<>();
    next = null;
    futures.add(future);
    return future;
  }

  @Override
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  @Override
  public CompletableFuture<Map<String, Object>> status() {
    statusCalls.incrementAndGet();
    return status.get();
  }

  @Override
  public Optional<ProcessPool> pool() {
    return Optional.empty();
  }
}
