package dev.procpool.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The front end's own counters: connections refused over the limit, and requests whose client went
 * away before its answer ({@code procpool.http.abandoned}, tag {@code reason=client_gone}). The
 * pool's own meters tell the two fates apart: a queued job is counted as {@code CANCELLED} ({@code
 * procpool.jobs.failed}), a running one in {@code procpool.jobs.discarded} (or, with {@code
 * --cancel-running-on-disconnect}, as {@code CANCELLED} too, its child killed). On the server's
 * Prometheus registry, or a private one.
 */
final class HttpMeters {
  final Counter refusedConnections;
  final Counter clientGone;
  final Counter refusedStreams;
  final Counter abandonedStreams;

  /**
   * Pipelined requests read and waiting their turn, over all connections (each holds at most 16).
   */
  final java.util.concurrent.atomic.AtomicInteger held =
      new java.util.concurrent.atomic.AtomicInteger();

  HttpMeters(MeterRegistry registry) {
    MeterRegistry r = registry != null ? registry : new SimpleMeterRegistry();
    refusedConnections =
        Counter.builder("procpool.http.connections.refused")
            .description("connections refused over --max-connections")
            .register(r);
    clientGone =
        Counter.builder("procpool.http.abandoned")
            .description("requests whose client went away before their answer")
            .tags("reason", "client_gone")
            .register(r);
    refusedStreams =
        Counter.builder("procpool.http.streams.refused")
            .description("event streams refused over the server's stream limit")
            .register(r);
    abandonedStreams =
        Counter.builder("procpool.http.streams.abandoned")
            .description("event streams closed because their client stopped reading")
            .register(r);
    io.micrometer.core.instrument.Gauge.builder(
            "procpool.http.requests.held", held, java.util.concurrent.atomic.AtomicInteger::get)
        .description("pipelined requests read and waiting their turn")
        .register(r);
  }
}
