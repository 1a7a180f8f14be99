package dev.procpool.server.http;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the dashboard shows beyond one status document: a sample a second into {@link
 * DashboardHistory} whether or not a page is open, and the {@link JobTypeTable}. Event streams get
 * the history once when they open ({@link #historyEvent()}) and the table in every status document
 * (through {@link #backend()}).
 *
 * <p>Samples on one executor (an HTTP event loop; making a status document never blocks). One
 * sample in flight at a time; {@link #close()} stops it.
 */
final class DashboardFeed implements AutoCloseable {
  static final long SAMPLE_MILLIS = 1000;

  private final Backend backend;
  private final DashboardHistory history = new DashboardHistory();
  private final JobTypeTable table;
  private final EventExecutor executor;
  private volatile List<Map<String, Object>> types = List.of();
  private ScheduledFuture<?> ticks;
  private boolean sampling;
  private long lastCompleted = -1;
  private long lastFailed = -1;
  private long lastMillis;

  private DashboardFeed(Backend backend, MeterRegistry registry, EventExecutor executor) {
    this.backend = backend;
    this.table = new JobTypeTable(registry);
    this.executor = executor;
  }

  static DashboardFeed start(Backend backend, MeterRegistry registry, EventExecutor executor) {
    DashboardFeed feed = new DashboardFeed(backend, registry, executor);
    feed.ticks =
        executor.scheduleAtFixedRate(feed::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    return feed;
  }

  DashboardHistory history() {
    return history;
  }

  /** The SSE event a new stream starts with: the whole history, oldest first. */
  String historyEvent() {
    return "event: history\ndata: " + Json.write(history.columns()) + "\n\n";
  }

  /** The same backend, its status documents carrying the per-type table. */
  Backend backend() {
    return new Backend() {
      @Override
      public CompletableFuture<byte[]> submit(Job<byte[]> job) {
        return backend.submit(job);
      }

      @Override
      public Optional<String> problem() {
        return backend.problem();
      }

      @Override
      public CompletableFuture<Map<String, Object>> status() {
        return backend
            .status()
            .thenApply(
                s -> {
                  Map<String, Object> document = new HashMap<>(s);
                  document.put("types", types);
                  return document;
                });
      }

      @Override
      public Optional<ProcessPool> pool() {
        return backend.pool();
      }
    };
  }

  private void sample() {
    if (sampling) {
      return;
    }
    sampling = true;
    backend
        .status()
        .whenComplete(
            (status, failure) -> {
              if (executor.inEventLoop()) {
                record(status);
              } else {
                executor.execute(() -> record(status));
              }
            });
  }

  private void record(Map<String, Object> status) {
    sampling = false;
    try {
      types = table.sample();
    } catch (RuntimeException e) {
      types = List.of(); // a meter read failing must not stop the history
    }
    if (status == null) {
      return;
    }
    long now = System.currentTimeMillis();
    long completed = number(status, "completed");
    long failed = number(status, "failed");
    double seconds = lastMillis == 0 ? 0 : (now - lastMillis) / 1000.0;
    double rate = lastCompleted < 0 || seconds <= 0 ? 0 : (completed - lastCompleted) / seconds;
    double failures = lastFailed < 0 || seconds <= 0 ? 0 : (failed - lastFailed) / seconds;
    lastCompleted = completed;
    lastFailed = failed;
    lastMillis = now;
    int busy = (int) number(status, "busy");
    history.record(
        now,
        (int) number(status, "queued"),
        busy,
        busy + (int) number(status, "idle"),
        Math.max(0, Math.round(rate * 10) / 10.0),
        Math.max(0, Math.round(failures * 10) / 10.0));
  }

  private static long number(Map<String, Object> status, String key) {
    return status.get(key) instanceof Number n ? n.longValue() : 0;
  }

  @Override
  public void close() {
    if (ticks != null) {
      ticks.cancel(false);
    }
  }
}
