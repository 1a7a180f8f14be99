package dev.procpool.server.http;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What the HTTP front end serves: where jobs go, whether it can serve, and its status document. A
 * local pool (the default, and the {@code worker} role), or a broker (the {@code front} role).
 */
public interface Backend {
  /** Runs the job somewhere; the future completes once, as a pool's does. */
  CompletableFuture<byte[]> submit(Job<byte[]> job);

  /** Why it cannot serve now, or empty while it can. */
  Optional<String> problem();

  /** The {@code /status} document, also sent to dashboards. */
  CompletableFuture<Map<String, Object>> status();

  /** The local pool, for the admin routes; empty when there is none (a front). */
  Optional<ProcessPool> pool();

  /** A local pool; {@code extra} adds fields to its status (role, broker). */
  static Backend local(ProcessPool pool, Supplier<Map<String, Object>> extra) {
    return new Backend() {
      @Override
      public CompletableFuture<byte[]> submit(Job<byte[]> job) {
        return pool.submit(job);
      }

      @Override
      public Optional<String> problem() {
        return pool.problem();
      }

      @Override
      public CompletableFuture<Map<String, Object>> status() {
        return pool.status()
            .thenApply(
                s -> {
                  Map<String, Object> document = Json.status(s);
                  document.putAll(extra.get());
                  return document;
                });
      }

      @Override
      public Optional<ProcessPool> pool() {
        return Optional.of(pool);
      }
    };
  }

  static Backend local(ProcessPool pool) {
    return local(pool, Map::of);
  }
}
