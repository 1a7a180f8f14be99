package dev.procpool.server.http;

import io.netty.channel.ChannelHandler;

/**
 * Traces HTTP requests: a handler per connection, placed after the body is aggregated and before
 * the routes, so a job is submitted while the request's span is current. {@link #OFF} adds nothing
 * (and loads no tracing classes).
 */
public interface HttpTracing {
  HttpTracing OFF = () -> null;

  /** A new handler for one connection's pipeline, or null when tracing is off. */
  ChannelHandler newHandler();
}
