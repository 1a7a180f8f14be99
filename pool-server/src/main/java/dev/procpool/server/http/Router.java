package dev.procpool.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Chooses the route of each request: {@code POST /jobs/{type}}, {@code GET /health}, {@code
 * /status}, {@code /metrics}, {@code /} (the dashboard), {@code /events}, and {@code /admin/*}.
 * Answers what no route can take itself: malformed requests, other HTTP versions, unknown paths,
 * wrong methods, and a route that threw (500 with an id, never the exception's text). One instance
 * per connection (the routes keep the connection's job and stream), on its event loop.
 */
final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final String JOBS = "/jobs/";
  private static final String ADMIN = "/admin/";

  private final JobRoute jobs;
  private final StatusRoute status;
  private final EventStreamRoute events;
  private final Route admin;

  Router(JobRoute jobs, StatusRoute status, EventStreamRoute events, Route admin) {
    super(false); // the routes release requests once they are answered
    this.jobs = jobs;
    this.status = status;
    this.events = events;
    this.admin = admin;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    try {
      route(ctx, request);
    } catch (RuntimeException e) {
      if (request.refCnt() > 0) {
        Route.answer(ctx, request, Responses.internal(e));
      } else {
        ctx.writeAndFlush(Responses.internal(e));
      }
    }
  }

  private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      Route.answer(ctx, request, decodeFailure(request.decoderResult().cause()));
      return;
    }
    HttpVersion version = request.protocolVersion();
    if (!version.protocolName().equals("HTTP")
        || version.majorVersion() != 1
        || version.minorVersion() > 1) {
      Route.answer(
          ctx,
          request,
          HttpError.closing(
              HttpError.HTTP_VERSION_NOT_SUPPORTED.response(
                  version.text() + " is not supported; use HTTP/1.1 or HTTP/1.0")));
      return;
    }
    String path = new QueryStringDecoder(request.uri()).rawPath();
    if (path.startsWith(JOBS)) {
      if (allowed(ctx, request, "POST", "jobs are submitted with POST")) {
        jobs.serve(ctx, request, path.substring(JOBS.length()));
      }
    } else if (path.startsWith(ADMIN) && admin != null) {
      admin.serve(ctx, request, path.substring(ADMIN.length()));
    } else if (path.equals("/events")) {
      if (allowed(ctx, request, "GET, HEAD", "use GET")) {
        events.serve(ctx, request, "");
      }
    } else if (status.serves(path)) {
      if (allowed(ctx, request, "GET, HEAD", "use GET")) {
        status.serve(ctx, request, path);
      }
    } else {
      Route.answer(ctx, request, HttpError.NOT_FOUND.response("no route for " + path));
    }
  }

  /** True if the method is one of {@code allow}; else answers 405 with {@code Allow}. */
  private static boolean allowed(
      ChannelHandlerContext ctx, FullHttpRequest request, String allow, String why) {
    HttpMethod method = request.method();
    boolean ok =
        allow.equals("POST")
            ? method.equals(HttpMethod.POST)
            : method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    if (!ok) {
      FullHttpResponse response = HttpError.METHOD_NOT_ALLOWED.response(why);
      response.headers().set(HttpHeaderNames.ALLOW, allow);
      Route.answer(ctx, request, response);
    }
    return ok;
  }

  /** 414 for a request line over the limit, 431 for headers over it, 400 for the rest; closes. */
  static FullHttpResponse decodeFailure(Throwable cause) {
    FullHttpResponse response;
    if (cause instanceof TooLongHttpLineException) {
      response =
          HttpError.URI_TOO_LONG.response(
              "the request line is longer than "
                  + HttpChannelInitializer.MAX_INITIAL_LINE
                  + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      response =
          HttpError.HEADERS_TOO_LARGE.response(
              "the headers are larger than " + HttpChannelInitializer.MAX_HEADER_BYTES + " bytes");
    } else {
      response = HttpError.MALFORMED_REQUEST.response("malformed request: " + cause.getMessage());
    }
    return HttpError.closing(response);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == EventStreamRoute.END_STREAMS) {
      events.end(ctx);
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    jobs.clientGone();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
