package dev.procpool.internal.engine;

import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Whether children can be started: the back-off after failed starts, the pool's first start ({@link
 * #started()}, which {@code start()} waits on), and the published reason the pool is unhealthy
 * (children keep failing to start and none is ready). Confined to the loop, but for {@link
 * #problem()}.
 */
final class StartHealth {
  private final String poolName;
  private final Failure.Factory failures;
  private final StartBackoff backoff;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private volatile String problem;

  StartHealth(String poolName, int failureLimit, Random random, Failure.Factory failures) {
    this.poolName = poolName;
    this.failures = failures;
    this.backoff = new StartBackoff(failureLimit, random);
  }

  StartBackoff backoff() {
    return backoff;
  }

  /** Completes when the pool first has its children, or fails with {@code SPAWN_FAILED}. */
  CompletableFuture<Void> started() {
    return started;
  }

  /** A child said hello: starts work again; {@code ready} children of {@code target} are up. */
  void onReady(int ready, int target) {
    backoff.onSuccess();
    problem = null;
    if (ready >= target) {
      started.complete(null);
    }
  }

  /**
   * A start failed. Returns the reason when the pool is now unhealthy (the limit is reached and no
   * child is ready), else null.
   */
  String onFailure(String why, int ready) {
    if (!backoff.onFailure(why)) {
      return null;
    }
    String reason = reason();
    started.completeExceptionally(failures.create(Failure.SPAWN_FAILED, -1, reason));
    if (ready > 0) {
      return null;
    }
    problem = reason;
    return reason;
  }

  boolean unhealthy(int ready) {
    return backoff.exhausted() && ready == 0;
  }

  String reason() {
    return backoff.reason(poolName);
  }

  /** Why the pool cannot run jobs, or null while it can; safe from any thread. */
  String problem() {
    return problem;
  }
}
