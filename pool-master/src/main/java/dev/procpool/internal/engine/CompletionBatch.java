package dev.procpool.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands completed futures to the callback executor in batches: one executor task per loop pass
 * instead of one per job. Each hand-off to another thread costs a wake-up (a futex call); when
 * several replies arrive in one pass, they share it.
 *
 * <p>A completion runs the user's dependent stages, which may be slow. So that one slow stage does
 * not hold up the others in its batch, a batch that is still unfinished {@link #HELP_AFTER_NANOS}
 * after it was handed over gets a helper task, which takes the completions not yet started (each is
 * claimed once, atomically). A completion that throws, even an {@link Error}, is logged and the
 * batch goes on.
 *
 * <p>{@link #execute} is called on the loop.
 */
public final class CompletionBatch implements Executor {
  private static final Logger log = LoggerFactory.getLogger(CompletionBatch.class);
  static final long HELP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Loop loop;
  private final Executor callbacks;
  private List<Runnable> pending = new ArrayList<>();
  private final Runnable flush = this::flush;

  public CompletionBatch(Loop loop, Executor callbacks) {
    this.loop = loop;
    this.callbacks = callbacks;
  }

  @Override
  public void execute(Runnable completion) {
    if (!loop.inLoop()) {
      // Off the loop (a pool that is already gone): no batching, complete directly.
      new Batch(List.of(completion)).handOver();
      return;
    }
    if (pending.isEmpty()) {
      try {
        loop.execute(flush);
      } catch (RejectedExecutionException e) {
        new Batch(List.of(completion)).handOver(); // the loop is shutting down
        return;
      }
    }
    pending.add(completion);
  }

  private void flush() {
    Batch batch = new Batch(pending);
    pending = new ArrayList<>();
    batch.handOver();
    if (batch.size() > 1) {
      loop.schedule(new HelpTask(batch), HELP_AFTER_NANOS);
    }
  }

  /**
   * Gives an unfinished batch one more runner, and checks again later while it stays unfinished.
   */
  private final class HelpTask implements Runnable {
    private final Batch batch;

    HelpTask(Batch batch) {
      this.batch = batch;
    }

    @Override
    public void run() {
      if (batch.hasUnclaimed()) {
        batch.handOver();
        loop.schedule(this, HELP_AFTER_NANOS);
      }
    }
  }

  /** Completions claimed one at a time, by however many runners the batch has. */
  private final class Batch implements Runnable {
    private final Runnable[] completions;
    private final AtomicInteger next = new AtomicInteger();

    Batch(List<Runnable> completions) {
      this.completions = completions.toArray(new Runnable[0]);
    }

    int size() {
      return completions.length;
    }

    boolean hasUnclaimed() {
      return next.get() < completions.length;
    }

    void handOver() {
      try {
        callbacks.execute(this);
      } catch (RejectedExecutionException e) {
        run(); // the user's executor is shut down; completing here still keeps "exactly once"
      }
    }

    @Override
    public void run() {
      for (int i = next.getAndIncrement(); i < completions.length; i = next.getAndIncrement()) {
        Runnable completion = completions[i];
        completions[i] = null;
        try {
          completion.run();
        } catch (Throwable e) {
          // A completion only completes a future; dependent stages' failures stay in their futures.
          log.error("a job completion threw; the rest of its batch still completes", e);
        }
      }
    }
  }
}
