package dev.procpool.server.otel;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * One connection's HTTP server spans for {@code POST /jobs/{type}}: the caller's {@code
 * traceparent} is the parent, the span is current while the routes submit the job (so the pool's
 * {@code procpool.job} span is its child), and it ends when the response goes out, with its status.
 *
 * <p>Responses go out in request order, so spans wait in a FIFO, one entry per request (empty for
 * routes that are not traced). A request served later from the routes' pipelining queue is
 * submitted outside its span: its job starts a trace of its own, still linked to nothing. On the
 * connection's event loop only.
 */
final class ServerSpans extends ChannelDuplexHandler {
  /** More requests than the routes ever hold per connection (16) plus one read's worth. */
  static final int MAX_OPEN = 64;

  private static final String JOBS = "/jobs/";
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  private static final AttributeKey<String> JOB_TYPE = AttributeKey.stringKey("procpool.job.type");

  private static final TextMapGetter<HttpHeaders> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders headers) {
          return headers.names();
        }

        @Override
        public String get(HttpHeaders headers, String key) {
          return headers == null ? null : headers.get(key);
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final ArrayDeque<Optional<Span>> open = new ArrayDeque<>();

  ServerSpans(OpenTelemetry openTelemetry) {
    this.tracer = openTelemetry.getTracer(ServerTelemetry.SCOPE);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (!(message instanceof FullHttpRequest request)) {
      ctx.fireChannelRead(message);
      return;
    }
    String path = new QueryStringDecoder(request.uri()).rawPath();
    if (!path.startsWith(JOBS) || open.size() >= MAX_OPEN) {
      open.addLast(Optional.empty());
      ctx.fireChannelRead(message);
      return;
    }
    Context parent = propagator.extract(Context.root(), request.headers(), HEADERS);
    String method = request.method().name();
    Span span =
        tracer
            .spanBuilder(method + " /jobs/{type}")
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(METHOD, knownMethod(request.method()))
            .setAttribute(ROUTE, "/jobs/{type}")
            .setAttribute(PATH, path)
            .setAttribute(SCHEME, "http")
            .setAttribute(JOB_TYPE, path.substring(JOBS.length()))
            .startSpan();
    open.addLast(Optional.of(span));
    try (Scope scope = parent.with(span).makeCurrent()) {
      ctx.fireChannelRead(message);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
    if (message instanceof HttpResponse response && !open.isEmpty()) {
      open.pollFirst()
          .ifPresent(
              span -> {
                int status = response.status().code();
                span.setAttribute(STATUS, (long) status);
                if (status >= 500) {
                  span.setAttribute(ERROR_TYPE, Integer.toString(status));
                  span.setStatus(StatusCode.ERROR);
                }
                span.end();
              });
    }
    ctx.write(message, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    // The client went before its answers: their spans end now, marked so.
    for (Optional<Span> entry : open) {
      entry.ifPresent(
          span -> {
            span.setAttribute(ERROR_TYPE, "connection_closed");
            span.setStatus(StatusCode.ERROR, "the connection closed before the answer");
            span.end();
          });
    }
    open.clear();
    ctx.fireChannelInactive();
  }

  /** Semantic conventions: a method outside the standard set is recorded as {@code _OTHER}. */
  private static String knownMethod(HttpMethod method) {
    return switch (method.name()) {
      case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" ->
          method.name();
      default -> "_OTHER";
    };
  }
}
