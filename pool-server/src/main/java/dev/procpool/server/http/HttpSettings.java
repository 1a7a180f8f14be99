package dev.procpool.server.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the HTTP front end listens and what it accepts.
 *
 * @param bind the address to listen on (default loopback: exposing the pool is a decision)
 * @param port the port; 0 picks a free one
 * @param maxBodyBytes the largest request body; larger ones get 413 before being buffered
 * @param maxJobTimeout the most a request may ask for with {@code X-Job-Timeout-Ms}
 * @param idleTimeout a connection with no traffic for this long is closed
 * @param requestTimeout a request must arrive whole within this time of its first byte (slowloris)
 * @param prometheus the registry {@code /metrics} scrapes, or null for 404
 * @param adminToken the bearer token the {@code /admin/*} routes require, or null to turn them off
 * @param reusePort bind with SO_REUSEPORT (Linux epoll), so a new server can bind the same port
 *     while this one drains: a zero-downtime handover
 * @param maxConnections connections beyond this many are refused (503, closed) and counted
 * @param cancelRunningOnDisconnect when a client goes, also cancel its running job, which kills the
 *     child (its queued job always leaves the queue; by default a running one runs on)
 * @param allowedHosts {@code Host} values accepted besides this server's own names ({@code name},
 *     {@code name:port}, or {@code *} for any): see {@link HostOriginGate}
 * @param allowedOrigins page origins whose requests are accepted besides the same origin ({@code
 *     http://name:port}, or {@code *} for any)
 */
public record HttpSettings(
    String bind,
    int port,
    int maxBodyBytes,
    Duration maxJobTimeout,
    Duration idleTimeout,
    Duration requestTimeout,
    PrometheusMeterRegistry prometheus,
    String adminToken,
    boolean reusePort,
    int maxConnections,
    boolean cancelRunningOnDisconnect,
    List<String> allowedHosts,
    List<String> allowedOrigins) {
  /** Default for {@code maxConnections}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  /**
   * Without a connection limit of its own ({@link #DEFAULT_MAX_CONNECTIONS}) nor cancel of running
   * jobs.
   */
  public HttpSettings(
      String bind,
      int port,
      int maxBodyBytes,
      Duration maxJobTimeout,
      Duration idleTimeout,
      Duration requestTimeout,
      PrometheusMeterRegistry prometheus,
      String adminToken,
      boolean reusePort) {
    this(
        bind,
        port,
        maxBodyBytes,
        maxJobTimeout,
        idleTimeout,
        requestTimeout,
        prometheus,
        adminToken,
        reusePort,
        DEFAULT_MAX_CONNECTIONS,
        false,
        List.of(),
        List.of());
  }

  /** Loopback defaults: 1 MiB bodies, 30 s jobs, 60 s idle, 10 s to send a request, no /metrics. */
  public static HttpSettings loopback(int port) {
    return new HttpSettings(
        "127.0.0.1",
        port,
        1024 * 1024,
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        null,
        null,
        false);
  }

  /** The same settings with admin routes guarded by this token. */
  public HttpSettings withAdminToken(String token) {
    return new HttpSettings(
        bind,
        port,
        maxBodyBytes,
        maxJobTimeout,
        idleTimeout,
        requestTimeout,
        prometheus,
        token,
        reusePort,
        maxConnections,
        cancelRunningOnDisconnect,
        allowedHosts,
        allowedOrigins);
  }

  /** The same settings with another connection limit and disconnect policy. */
  public HttpSettings withClientLimits(int maxConnections, boolean cancelRunningOnDisconnect) {
    return new HttpSettings(
        bind,
        port,
        maxBodyBytes,
        maxJobTimeout,
        idleTimeout,
        requestTimeout,
        prometheus,
        adminToken,
        reusePort,
        maxConnections,
        cancelRunningOnDisconnect,
        allowedHosts,
        allowedOrigins);
  }

  /** All but the browser allow-lists, which stay empty: only this server's own hosts and origin. */
  public HttpSettings(
      String bind,
      int port,
      int maxBodyBytes,
      Duration maxJobTimeout,
      Duration idleTimeout,
      Duration requestTimeout,
      PrometheusMeterRegistry prometheus,
      String adminToken,
      boolean reusePort,
      int maxConnections,
      boolean cancelRunningOnDisconnect) {
    this(
        bind,
        port,
        maxBodyBytes,
        maxJobTimeout,
        idleTimeout,
        requestTimeout,
        prometheus,
        adminToken,
        reusePort,
        maxConnections,
        cancelRunningOnDisconnect,
        List.of(),
        List.of());
  }

  /** The same settings with these extra allowed hosts and origins. */
  public HttpSettings withBrowserAccess(List<String> hosts, List<String> origins) {
    return new HttpSettings(
        bind,
        port,
        maxBodyBytes,
        maxJobTimeout,
        idleTimeout,
        requestTimeout,
        prometheus,
        adminToken,
        reusePort,
        maxConnections,
        cancelRunningOnDisconnect,
        hosts,
        origins);
  }

  /** Event streams open at once, over the server: fewer than the connections. */
  public int maxStreams() {
    return Math.max(1, Math.min(MAX_STREAMS, maxConnections / 2));
  }

  /** The most event streams (dashboards) open at once; half the connections when that is less. */
  public static final int MAX_STREAMS = 32;

  public HttpSettings {
    allowedHosts = List.copyOf(allowedHosts);
    allowedOrigins = List.copyOf(allowedOrigins);
    Objects.requireNonNull(bind, "bind");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    if (maxBodyBytes < 0) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 0: " + maxBodyBytes);
    }
    Objects.requireNonNull(maxJobTimeout, "maxJobTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be > 0: " + idleTimeout);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be > 0: " + requestTimeout);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
    }
  }
}
