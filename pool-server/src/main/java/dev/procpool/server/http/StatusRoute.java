package dev.procpool.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The read-only routes: {@code GET /health} (200 or 503 with the reason), {@code /status} (the
 * status document), {@code /metrics} (Prometheus, when the server has a registry) and {@code /}
 * (the dashboard page). Stateless.
 */
final class StatusRoute implements Route {
  private final Backend backend;
  private final HttpSettings settings;

  StatusRoute(Backend backend, HttpSettings settings) {
    this.backend = backend;
    this.settings = settings;
  }

  boolean serves(String path) {
    return path.equals("/health")
        || path.equals("/status")
        || path.equals("/")
        || (path.equals("/metrics") && settings.prometheus() != null);
  }

  @Override
  public void serve(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
    switch (path) {
      case "/health" -> Route.answer(ctx, request, health());
      case "/status" ->
          backend
              .status()
              .whenComplete(
                  (s, failure) ->
                      Route.answer(
                          ctx,
                          request,
                          failure != null
                              ? unavailable(failure)
                              : Responses.json(HttpResponseStatus.OK, Json.write(s))));
      case "/metrics" -> {
        FullHttpResponse response =
            Responses.text(HttpResponseStatus.OK, settings.prometheus().scrape());
        response
            .headers()
            .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        Route.answer(ctx, request, response);
      }
      default -> {
        FullHttpResponse page =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(Dashboard.PAGE));
        page.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        page.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        Route.answer(ctx, request, page);
      }
    }
  }

  private static FullHttpResponse unavailable(Throwable failure) {
    return Responses.unwrap(failure) instanceof dev.procpool.PoolException e
        ? HttpError.response(e)
        : HttpError.UNAVAILABLE.response("the status cannot be read now");
  }

  private FullHttpResponse health() {
    String problem = backend.problem().orElse(null);
    return problem == null
        ? Responses.json(HttpResponseStatus.OK, Json.write(Json.object("status", "serving")))
        : Responses.json(
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            Json.write(Json.object("status", "unavailable", "reason", problem)));
  }
}
