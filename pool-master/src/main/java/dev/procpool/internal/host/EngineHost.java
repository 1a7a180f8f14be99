package dev.procpool.internal.host;

import dev.procpool.internal.engine.Engine;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What the public {@code ProcessPool} runs on: an engine, its loop, and the order in which they are
 * opened and closed. {@link PoolHost} is the real one (a Netty loop, forked JVMs); the simulation
 * test supplies one with a virtual clock and fake children, so that it drives the very facade users
 * call. Thread-safe.
 */
public interface EngineHost {
  /** Opens a host for a pool's settings. */
  @FunctionalInterface
  interface Factory {
    EngineHost open(PoolHost.Settings settings, PoolMetrics metrics, Failure.Factory failures)
        throws IOException;
  }

  Engine engine();

  /** The children's sandbox settings and kernel limits; empty without a sandbox. */
  default java.util.Map<String, String> sandboxStatus() {
    return java.util.Map.of();
  }

  /** Starts the children and waits until all are ready, or for why not. */
  void start(long limitMillis) throws ExecutionException, TimeoutException, InterruptedException;

  /** True on the loop's own thread. */
  boolean inLoop();

  /** Runs {@code task} on the loop; false when the loop is gone. */
  boolean runOnLoop(Runnable task);

  /** The loop's clock, for deadlines the engine compares with it. */
  long nanoTime();

  /** The wall clock, for callers' deadlines. */
  Instant now();

  /**
   * Drains for up to {@code drainTimeoutMillis}, fails what is left with {@code abandonReason},
   * stops every child and waits for it to exit. Blocks; never call it on the loop.
   */
  void close(long drainTimeoutMillis, String abandonReason);

  /**
   * Runs {@code action} on the loop and hands its outcome to the caller's stages on {@code
   * callbacks} (loop-side futures complete on the loop). A null action, or a loop that is gone,
   * fails with {@code closed}.
   */
  default <V> CompletableFuture<V> callOnLoop(
      Supplier<CompletableFuture<V>> action,
      Supplier<RuntimeException> closed,
      Executor callbacks) {
    CompletableFuture<V> result = new CompletableFuture<>();
    boolean queued =
        action != null
            && runOnLoop(
                () -> {
                  try {
                    action
                        .get()
                        .whenComplete(
                            (v, e) -> {
                              if (e != null) {
                                result.completeExceptionally(e);
                              } else {
                                result.complete(v);
                              }
                            });
                  } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                  }
                });
    if (!queued) {
      result.completeExceptionally(closed.get());
    }
    return result.thenApplyAsync(v -> v, callbacks);
  }
}
