package dev.procpool.master.dispatch;

import java.util.concurrent.CompletableFuture;

/**
 * The future {@code submit} returns. {@link #cancel} also tells the pool: a queued job leaves the
 * queue; a running job's child is killed and replaced, since a blocked thread in another JVM cannot
 * be interrupted safely.
 */
public final class JobFuture<T> extends CompletableFuture<T> {
  private volatile Runnable onCancel;

  /** Set once, before the future is handed to the user. */
  public void onCancel(Runnable onCancel) {
    this.onCancel = onCancel;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    Runnable hook = onCancel;
    if (cancelled && hook != null) {
      hook.run();
    }
    return cancelled;
  }

  /** Dependent stages are plain futures: cancelling one of them must not kill a child. */
  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
