package dev.procpool.master.dispatch;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands completed futures to the callback executor in batches: one executor task per event-loop
 * pass instead of one per job. Each hand-off to another thread costs a wake-up (a futex call);
 * when several replies arrive in one pass, they now share it. Order is kept: futures complete in
 * the order their jobs finished.
 *
 * <p>Confined to the event loop. The batch is flushed by a task queued on the same loop, which
 * Netty runs right after the I/O of the current pass, so no completion waits for more than that.
 */
public final class CompletionBatch implements Executor {
  private final EventLoop loop;
  private final Executor callbacks;
  private List<Runnable> pending = new ArrayList<>();
  private final Runnable flush = this::flush;

  public CompletionBatch(EventLoop loop, Executor callbacks) {
    this.loop = loop;
    this.callbacks = callbacks;
  }

  @Override
  public void execute(Runnable completion) {
    if (!loop.inEventLoop()) {
      // Off the loop (a pool that is already gone): no batching, complete directly.
      run(List.of(completion));
      return;
    }
    if (pending.isEmpty()) {
      try {
        loop.execute(flush);
      } catch (RejectedExecutionException e) {
        run(List.of(completion)); // the loop is shutting down
        return;
      }
    }
    pending.add(completion);
  }

  private void flush() {
    List<Runnable> batch = pending;
    pending = new ArrayList<>();
    run(batch);
  }

  private void run(List<Runnable> batch) {
    Runnable all = () -> batch.forEach(CompletionBatch::runSafely);
    try {
      callbacks.execute(all);
    } catch (RejectedExecutionException e) {
      all.run(); // the user's executor is shut down; completing here still keeps "exactly once"
    }
  }

  private static void runSafely(Runnable completion) {
    try {
      completion.run();
    } catch (RuntimeException e) {
      // A completion only completes a future; dependent stages' exceptions stay in their futures.
    }
  }
}
