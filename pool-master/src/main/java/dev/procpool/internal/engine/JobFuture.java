package dev.procpool.internal.engine;

import java.util.concurrent.CompletableFuture;

/**
 * The future {@code submit} returns. {@link #cancel} also tells the pool: a queued job leaves the
 * queue; a running job's child is killed and replaced, since a blocked thread in another JVM cannot
 * be interrupted safely. The hook is dropped once the future completes, so a completed future keeps
 * nothing of its job reachable.
 */
public final class JobFuture<T> extends CompletableFuture<T> {
  /** What a cancel tells the pool. */
  @FunctionalInterface
  public interface CancelHook {
    void cancelled(boolean interrupt);
  }

  private volatile CancelHook onCancel;

  /** Set once, before the future is handed to the user. */
  public void onCancel(CancelHook onCancel) {
    this.onCancel = onCancel;
  }

  @Override
  public boolean complete(T value) {
    onCancel = null;
    return super.complete(value);
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    onCancel = null;
    return super.completeExceptionally(failure);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    CancelHook hook = onCancel;
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    onCancel = null;
    if (cancelled && hook != null) {
      hook.cancelled(mayInterruptIfRunning);
    }
    return cancelled;
  }

  /** Dependent stages are plain futures: cancelling one of them must not kill a child. */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
