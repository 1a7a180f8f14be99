package dev.procpool.internal.metrics;

import dev.procpool.internal.engine.Counts;
import dev.procpool.internal.engine.Failure;
import dev.procpool.internal.engine.PoolMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Micrometer meters of one pool, all tagged {@code pool=<name>}:
 *
 * <ul>
 *   <li>gauges {@code procpool.jobs.queued}, {@code procpool.children.busy}, {@code
 *       procpool.children.idle}, {@code procpool.children.live}: read from values the event loop
 *       publishes, never from loop state;
 *   <li>counters {@code procpool.jobs.submitted}, {@code procpool.jobs.completed} (tag {@code
 *       type}), {@code procpool.jobs.failed} (tags {@code type}, {@code code}), {@code
 *       procpool.children.started}, {@code procpool.children.deaths} (tag {@code cause}); with
 *       pipelining {@code procpool.jobs.sent.ahead} and {@code procpool.jobs.recalled} (tag {@code
 *       outcome}: {@code skipped} or {@code started});
 *   <li>timers {@code procpool.jobs.wait} and {@code procpool.jobs.run} (tag {@code type}) with
 *       p50/p95/p99.
 * </ul>
 */
public final class MicrometerPoolMetrics implements PoolMetrics {
  private static final String OTHER = "other";

  private final MeterRegistry registry;
  private final String pool;
  private final Set<String> knownTypes = ConcurrentHashMap.newKeySet();
  private final Map<String, TypeMeters> byType = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();
  private final Map<String, Counter> discarded = new ConcurrentHashMap<>();
  private final Map<String, Counter> deaths = new ConcurrentHashMap<>();
  private final Counter childStarts;
  private final Counter sentAhead;
  private final Counter skipped;
  private final Counter skipRefused;

  /**
   * @param counts the loop's published numbers, read by the gauges (the engine, once it exists)
   */
  public MicrometerPoolMetrics(MeterRegistry registry, String pool, Supplier<Counts> counts) {
    this.registry = registry;
    this.pool = pool;
    gauge("procpool.jobs.queued", "jobs waiting for a child", () -> counts.get().queued());
    gauge("procpool.children.busy", "children running a job", () -> counts.get().busy());
    gauge("procpool.children.idle", "children waiting for a job", () -> counts.get().idle());
    gauge("procpool.children.live", "children starting, idle or busy", () -> counts.get().live());
    childStarts =
        Counter.builder("procpool.children.started")
            .description("children that became ready")
            .tag("pool", pool)
            .register(registry);
    sentAhead =
        Counter.builder("procpool.jobs.sent.ahead")
            .description("queued jobs sent to a busy child to wait behind its job (pipelining)")
            .tag("pool", pool)
            .register(registry);
    skipped = recalled("skipped");
    skipRefused = recalled("started");
  }

  private Counter recalled(String outcome) {
    return Counter.builder("procpool.jobs.recalled")
        .description(
            "jobs sent ahead that the pool asked the child to skip, by outcome (pipelining)")
        .tag("pool", pool)
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void jobSentAhead() {
    sentAhead.increment();
  }

  @Override
  public void skipAnswered(boolean wasSkipped) {
    (wasSkipped ? skipped : skipRefused).increment();
  }

  private void gauge(String name, String description, IntSupplier value) {
    // strongReference: the supplier is a lambda nobody else holds; a weak gauge would read NaN.
    Gauge.builder(name, value, v -> v.getAsInt())
        .strongReference(true)
        .description(description)
        .tag("pool", pool)
        .register(registry);
  }

  @Override
  public void knownTypes(Collection<String> types) {
    knownTypes.addAll(types);
  }

  private TypeMeters meters(String type) {
    String tag = knownTypes.contains(type) ? type : OTHER;
    return byType.computeIfAbsent(tag, TypeMeters::new);
  }

  @Override
  public void jobQueued(String type) {
    meters(type).submitted.increment();
  }

  @Override
  public void jobStarted(String type, long waitNanos) {
    meters(type).wait.record(waitNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void jobSucceeded(String type, long runNanos) {
    TypeMeters meters = meters(type);
    meters.completed.increment();
    meters.run.record(runNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void jobSlow(String type) {
    meters(type).slow.increment();
  }

  @Override
  public void jobCost(String type, long cpuNanos, long allocatedBytes, long overheadNanos) {
    TypeMeters meters = meters(type);
    meters.cpu.record(cpuNanos, TimeUnit.NANOSECONDS);
    meters.allocated.record(allocatedBytes);
    if (overheadNanos >= 0) {
      meters.overhead.record(overheadNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void jobDiscarded(String type) {
    String tag = knownTypes.contains(type) ? type : OTHER;
    discarded
        .computeIfAbsent(
            tag,
            k ->
                Counter.builder("procpool.jobs.discarded")
                    .description(
                        "running jobs whose caller cancelled without interrupting them (client gone)")
                    .tags("pool", pool, "type", tag)
                    .register(registry))
        .increment();
  }

  @Override
  public void jobFailed(String type, Failure code, long runNanos) {
    String tag = knownTypes.contains(type) ? type : OTHER;
    failures
        .computeIfAbsent(
            tag + '\0' + code,
            k ->
                Counter.builder("procpool.jobs.failed")
                    .description("jobs that failed, by failure code")
                    .tags("pool", pool, "type", tag, "code", code.name())
                    .register(registry))
        .increment();
    if (runNanos >= 0) {
      meters(type).run.record(runNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void childStarted() {
    childStarts.increment();
  }

  @Override
  public void childDied(String cause) {
    deaths
        .computeIfAbsent(
            cause,
            c ->
                Counter.builder("procpool.children.deaths")
                    .description("child processes that ended, by cause")
                    .tags("pool", pool, "cause", c)
                    .register(registry))
        .increment();
  }

  private final class TypeMeters {
    final Counter submitted;
    final Counter completed;
    final Timer wait;
    final Timer run;
    final Timer cpu;
    final Timer overhead;
    final io.micrometer.core.instrument.DistributionSummary allocated;
    final Counter slow;

    TypeMeters(String type) {
      submitted =
          Counter.builder("procpool.jobs.submitted")
              .description("jobs accepted into the queue")
              .tags("pool", pool, "type", type)
              .register(registry);
      completed =
          Counter.builder("procpool.jobs.completed")
              .description("jobs that returned a result")
              .tags("pool", pool, "type", type)
              .register(registry);
      wait = timer("procpool.jobs.wait", "time from submit to a child starting the job", type);
      run = timer("procpool.jobs.run", "time from a child starting the job to its outcome", type);
      cpu = timer("procpool.jobs.cpu", "CPU time of the job's thread in the child", type);
      overhead =
          timer(
              "procpool.jobs.overhead",
              "the master's round trip minus the handler's own time (IPC)",
              type);
      allocated =
          io.micrometer.core.instrument.DistributionSummary.builder("procpool.jobs.allocated")
              .description("bytes the job's thread allocated in the child")
              .baseUnit("bytes")
              .tags("pool", pool, "type", type)
              .register(registry);
      slow =
          Counter.builder("procpool.jobs.slow")
              .description("jobs still running past the slow-job threshold")
              .tags("pool", pool, "type", type)
              .register(registry);
    }

    private Timer timer(String name, String description, String type) {
      return Timer.builder(name)
          .description(description)
          .tags("pool", pool, "type", type)
          .publishPercentiles(0.5, 0.95, 0.99)
          .distributionStatisticExpiry(Duration.ofMinutes(1))
          .register(registry);
    }
  }
}
