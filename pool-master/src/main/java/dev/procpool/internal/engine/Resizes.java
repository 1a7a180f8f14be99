package dev.procpool.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;

/**
 * The futures of {@code resize} calls. Each call has its own: it completes when the pool settles at
 * its size, and fails ({@code CANCELLED}) if a later call changes the size first, so two
 * overlapping calls never share an answer. Confined to the loop.
 */
final class Resizes {
  private record Pending(int children, CompletableFuture<Void> done) {}

  private final List<Pending> pending = new ArrayList<>();

  CompletableFuture<Void> add(int children, Failure.Factory failures, String poolName) {
    for (Pending earlier : pending) {
      earlier
          .done()
          .completeExceptionally(
              failures.create(
                  Failure.CANCELLED,
                  -1,
                  poolName
                      + ": resize to "
                      + earlier.children()
                      + " superseded by resize to "
                      + children));
    }
    pending.clear();
    Pending next = new Pending(children, new CompletableFuture<>());
    pending.add(next);
    return next.done();
  }

  /** Completes the resizes the pool has settled at; {@code settledAt} tells. */
  void check(IntPredicate settledAt) {
    pending.removeIf(p -> settledAt.test(p.children()) && p.done().complete(null));
  }

  void abandon(RuntimeException closed) {
    for (Pending p : pending) {
      p.done().completeExceptionally(closed);
    }
    pending.clear();
  }
}
