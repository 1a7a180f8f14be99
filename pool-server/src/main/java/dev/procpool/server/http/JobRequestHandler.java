package dev.procpool.server.http;

import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Serves one HTTP connection: {@code POST /jobs/{type}}, {@code GET /health}, {@code GET /status},
 * {@code GET /metrics}. Requests are answered strictly in arrival order, one at a time: pipelined
 * requests wait in {@link #pending}. Nothing here blocks: job results arrive as futures, and the
 * response is written from whichever thread completes them (Netty hops onto the channel's loop).
 */
final class JobRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  /** Job types are names, not paths: no slashes, dots only inside, at most 128 characters. */
  static final Pattern JOB_TYPE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  static final int MAX_TYPE_CHARS = 128;
  static final String TIMEOUT_HEADER = "X-Job-Timeout-Ms";
  static final String DEADLINE_HEADER = "X-Job-Deadline-Ms";
  private static final String JOBS = "/jobs/";
  private static final String ADMIN = "/admin/";

  private final Backend backend;
  private final HttpSettings settings;

  /** User event: the server is handing over; close this connection once it is idle. */
  static final Object DRAIN = new Object();

  /** User event: the server drains; end a dashboard stream with a last {@code draining} event. */
  static final Object END_STREAMS = new Object();

  /**
   * Pipelined requests held per connection while one is served. At the limit, reads pause until the
   * queue drains: one connection cannot fill the heap, however much it pipelines.
   */
  static final int MAX_PIPELINED = 16;

  /**
   * Reads also pause once the held requests' bodies reach this many bytes. (Requests already
   * decoded from the read in progress still join: the true bound adds what one read of at most 64
   * KiB holds.)
   */
  static final long MAX_PIPELINED_BYTES = 1024 * 1024;

  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private long pendingBytes;
  private final java.util.concurrent.atomic.AtomicBoolean draining;
  private final HttpMeters meters;
  private boolean busy;

  /** The job of the request being served, until its answer is written. */
  private CompletableFuture<byte[]> inFlight;

  /** An answer is written but the client is not reading: serve the next one when it can take it. */
  private boolean waitingForWritable;

  /** This connection is a server-sent event stream (the dashboard). */
  private java.util.concurrent.ScheduledFuture<?> stream;

  JobRequestHandler(
      Backend backend,
      HttpSettings settings,
      java.util.concurrent.atomic.AtomicBoolean draining,
      HttpMeters meters) {
    super(false); // requests are released after they are answered
    this.backend = backend;
    this.settings = settings;
    this.draining = draining;
    this.meters = meters;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    // The request is whole: its own deadline is met, whatever waits ahead of it.
    RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
    if (deadline != null) {
      deadline.requestComplete();
    }
    if (busy || stream != null || waitingForWritable || !pending.isEmpty()) {
      if (stream != null) {
        request.release(); // nothing more is read on an event stream
        return;
      }
      pending.addLast(request);
      pendingBytes += request.content().readableBytes();
      meters.held.incrementAndGet();
      if (pending.size() >= MAX_PIPELINED || pendingBytes >= MAX_PIPELINED_BYTES) {
        ctx.pipeline().get(ReadGate.class).close();
        if (deadline != null) {
          deadline.pause();
        }
      }
      return;
    }
    serve(ctx, request);
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
    busy = true;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    try {
      if (!request.decoderResult().isSuccess()) {
        respond(ctx, request, false, decodeFailure(request.decoderResult().cause()));
        return;
      }
      if (!supported(request.protocolVersion())) {
        respond(
            ctx,
            request,
            false,
            error(
                HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                "HTTP_VERSION_NOT_SUPPORTED",
                request.protocolVersion().text() + " is not supported; use HTTP/1.1 or HTTP/1.0"));
        return;
      }
      String path = new QueryStringDecoder(request.uri()).rawPath();
      if (path.startsWith(JOBS)) {
        job(ctx, request, keepAlive, path.substring(JOBS.length()));
      } else if (path.equals("/health")) {
        if (onlyGet(ctx, request, keepAlive)) {
          health(ctx, request, keepAlive);
        }
      } else if (path.equals("/status")) {
        if (onlyGet(ctx, request, keepAlive)) {
          status(ctx, request, keepAlive);
        }
      } else if (path.equals("/")) {
        if (onlyGet(ctx, request, keepAlive)) {
          FullHttpResponse page =
              new DefaultFullHttpResponse(
                  HttpVersion.HTTP_1_1,
                  HttpResponseStatus.OK,
                  Unpooled.wrappedBuffer(Dashboard.PAGE));
          page.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
          page.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
          respond(ctx, request, keepAlive, page);
        }
      } else if (path.equals("/events")) {
        if (onlyGet(ctx, request, keepAlive)) {
          events(ctx, request);
        }
      } else if (path.startsWith(ADMIN) && settings.adminToken() != null) {
        admin(ctx, request, keepAlive, path.substring(ADMIN.length()));
      } else if (path.equals("/metrics") && settings.prometheus() != null) {
        if (onlyGet(ctx, request, keepAlive)) {
          FullHttpResponse response = text(HttpResponseStatus.OK, settings.prometheus().scrape());
          response
              .headers()
              .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
          respond(ctx, request, keepAlive, response);
        }
      } else {
        respond(
            ctx,
            request,
            keepAlive,
            error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no route for " + path));
      }
    } catch (RuntimeException e) {
      respond(
          ctx,
          request,
          false,
          error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", e.toString()));
    }
  }

  private void job(
      ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String rawType) {
    if (!onlyPost(ctx, request, keepAlive, "jobs are submitted with POST")) {
      return;
    }
    // The raw path is checked as it came: an encoded slash or dot segment is not a job type.
    if (rawType.length() > MAX_TYPE_CHARS || !JOB_TYPE.matcher(rawType).matches()) {
      badRequest(
          ctx,
          request,
          keepAlive,
          "job type must match "
              + JOB_TYPE.pattern()
              + " and be at most "
              + MAX_TYPE_CHARS
              + " characters");
      return;
    }
    Job<byte[]> job = Job.of(rawType, ByteBufUtil.getBytes(request.content()));
    String timeoutHeader = request.headers().get(TIMEOUT_HEADER);
    String deadlineHeader = request.headers().get(DEADLINE_HEADER);
    long timeoutMillis = timeoutHeader == null ? 0 : positiveMillis(timeoutHeader);
    long deadlineMillis = deadlineHeader == null ? 0 : positiveMillis(deadlineHeader);
    if (timeoutMillis < 0 || deadlineMillis < 0) {
      String name = timeoutMillis < 0 ? TIMEOUT_HEADER : DEADLINE_HEADER;
      String value = timeoutMillis < 0 ? timeoutHeader : deadlineHeader;
      badRequest(
          ctx,
          request,
          keepAlive,
          name + " must be a positive number of milliseconds: '" + value + "'");
      return;
    }
    if (timeoutMillis > 0) {
      job =
          job.withTimeout(
              Duration.ofMillis(Math.min(timeoutMillis, settings.maxJobTimeout().toMillis())));
    }
    if (deadlineMillis > 0) {
      job = job.withDeadline(java.time.Instant.now().plusMillis(deadlineMillis));
    }
    CompletableFuture<byte[]> future = backend.submit(job);
    // Refused at once because the queue cannot meet the deadline: come back later (503), unlike a
    // deadline that passed while the job waited (504).
    boolean refusedNow = future.isCompletedExceptionally();
    inFlight = future;
    future.whenComplete(
        (result, failure) ->
            respond(
                ctx, request, keepAlive, refusedNow ? refusal(failure) : outcome(result, failure)));
  }

  /** 400 INVALID_REQUEST with {@code message}: the request was not taken. */
  private void badRequest(
      ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String message) {
    respond(
        ctx,
        request,
        keepAlive,
        error(HttpResponseStatus.BAD_REQUEST, FailureCode.INVALID_REQUEST.name(), message));
  }

  /** A header's positive number of milliseconds, or -1 when it is anything else. */
  private static long positiveMillis(String header) {
    try {
      long millis = Long.parseLong(header.trim());
      return millis > 0 ? millis : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A job refused at submit: a deadline the queue cannot meet is a 503 with Retry-After. */
  private static FullHttpResponse refusal(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof PoolException e && e.code() == FailureCode.DEADLINE_EXCEEDED) {
      FullHttpResponse response =
          error(HttpResponseStatus.SERVICE_UNAVAILABLE, e.code().name(), e.getMessage());
      response.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
      return response;
    }
    return outcome(null, failure);
  }

  private static boolean supported(HttpVersion version) {
    return version.protocolName().equals("HTTP")
        && version.majorVersion() == 1
        && version.minorVersion() <= 1;
  }

  /** 414 for a request line over the limit, 431 for headers over it, 400 for the rest. */
  private static FullHttpResponse decodeFailure(Throwable cause) {
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      return error(
          HttpResponseStatus.REQUEST_URI_TOO_LONG,
          "URI_TOO_LONG",
          "the request line is longer than " + HttpChannelInitializer.MAX_INITIAL_LINE + " bytes");
    }
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      return error(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "HEADERS_TOO_LARGE",
          "the headers are larger than " + HttpChannelInitializer.MAX_HEADER_BYTES + " bytes");
    }
    return error(
        HttpResponseStatus.BAD_REQUEST,
        "MALFORMED_REQUEST",
        "malformed request: " + cause.getMessage());
  }

  /**
   * {@code GET /events}: server-sent events, one status snapshot (the {@code /status} JSON) a
   * second, for the dashboard. The connection is given over to the stream until the client goes.
   */
  private void events(ChannelHandlerContext ctx, FullHttpRequest request) {
    request.release();
    io.netty.handler.codec.http.HttpResponse head =
        new io.netty.handler.codec.http.DefaultHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.writeAndFlush(head);
    java.util.concurrent.ScheduledFuture<?> ticks =
        ctx.executor()
            .scheduleAtFixedRate(
                () ->
                    backend
                        .status()
                        .whenComplete(
                            (status, failure) -> {
                              if (status != null && ctx.channel().isActive()) {
                                ctx.writeAndFlush(
                                    new io.netty.handler.codec.http.DefaultHttpContent(
                                        Unpooled.copiedBuffer(
                                            "data: " + Json.write(status) + "\n\n",
                                            StandardCharsets.UTF_8)));
                              }
                            }),
                0,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
    stream = ticks;
    busy =
        false; // the stream is not a request in progress: drains and handovers need not wait for it
    ctx.channel().closeFuture().addListener(f -> ticks.cancel(false));
  }

  /** The server drains: a last event tells the dashboard, then the stream ends. */
  private void endStream(ChannelHandlerContext ctx) {
    stream.cancel(false);
    ctx.write(
        new io.netty.handler.codec.http.DefaultHttpContent(
            Unpooled.copiedBuffer(
                "event: draining\ndata: {\"status\":\"draining\"}\n\n", StandardCharsets.UTF_8)));
    ctx.writeAndFlush(io.netty.handler.codec.http.LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * {@code POST /admin/restart}, {@code POST /admin/children} (body: the new size); bearer token
   * required.
   */
  private void admin(
      ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String action) {
    String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
    byte[] presented =
        auth.startsWith("Bearer ")
            ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    if (!java.security.MessageDigest.isEqual(
        presented, settings.adminToken().getBytes(StandardCharsets.UTF_8))) {
      FullHttpResponse response =
          error(
              HttpResponseStatus.UNAUTHORIZED,
              "UNAUTHORIZED",
              "admin routes need the admin token as 'Authorization: Bearer <token>'");
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      respond(ctx, request, keepAlive, response);
      return;
    }
    if (!onlyPost(ctx, request, keepAlive, "admin actions are POSTed")) {
      return;
    }
    if (backend.pool().isEmpty()) {
      respond(
          ctx,
          request,
          keepAlive,
          error(
              HttpResponseStatus.NOT_FOUND,
              "NOT_FOUND",
              "this server has no local pool to steer (role front)"));
      return;
    }
    ProcessPool pool = backend.pool().get();
    CompletableFuture<Void> done;
    String what;
    if (action.equals("restart")) {
      done = pool.restartChildren();
      what = "restarted";
    } else if (action.equals("children")) {
      int size;
      try {
        size = Integer.parseInt(request.content().toString(StandardCharsets.UTF_8).trim());
        done = pool.resize(size);
      } catch (IllegalArgumentException e) {
        badRequest(ctx, request, keepAlive, "the body must be the number of children, >= 1");
        return;
      }
      what = "resized";
    } else {
      respond(
          ctx,
          request,
          keepAlive,
          error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no admin action " + action));
      return;
    }
    done.thenCompose(v -> backend.status())
        .whenComplete(
            (status, failure) ->
                respond(
                    ctx,
                    request,
                    keepAlive,
                    failure != null
                        ? error(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "ADMIN_FAILED",
                            String.valueOf(failure.getMessage()))
                        : json(
                            HttpResponseStatus.OK,
                            Json.write(Json.object("status", what, "pool", status)))));
  }

  private static FullHttpResponse outcome(byte[] result, Throwable failure) {
    if (failure == null) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(result));
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      return response;
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof PoolException) {
      PoolException e = (PoolException) cause;
      FullHttpResponse response = error(HttpStatuses.of(e.code()), e.code().name(), e.getMessage());
      int retryAfter = HttpStatuses.retryAfterSeconds(e.code());
      if (retryAfter > 0) {
        response.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfter);
      }
      return response;
    }
    if (cause instanceof CancellationException) {
      return error(
          HttpStatuses.of(FailureCode.CANCELLED),
          FailureCode.CANCELLED.name(),
          "the job was cancelled");
    }
    return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", cause.toString());
  }

  private void health(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
    String problem = backend.problem().orElse(null);
    FullHttpResponse response =
        problem == null
            ? json(HttpResponseStatus.OK, Json.write(Json.object("status", "serving")))
            : json(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                Json.write(Json.object("status", "unavailable", "reason", problem)));
    respond(ctx, request, keepAlive, response);
  }

  private void status(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
    CompletableFuture<java.util.Map<String, Object>> status = backend.status();
    status.whenComplete(
        (s, failure) ->
            respond(
                ctx,
                request,
                keepAlive,
                failure != null
                    ? error(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        FailureCode.POOL_CLOSED.name(),
                        failure.getMessage())
                    : json(HttpResponseStatus.OK, Json.write(s))));
  }

  private boolean onlyPost(
      ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive, String why) {
    if (request.method().equals(HttpMethod.POST)) {
      return true;
    }
    FullHttpResponse response =
        error(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", why);
    response.headers().set(HttpHeaderNames.ALLOW, "POST");
    respond(ctx, request, keepAlive, response);
    return false;
  }

  private boolean onlyGet(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
    if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
      return true;
    }
    FullHttpResponse response =
        error(HttpResponseStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "use GET");
    response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
    respond(ctx, request, keepAlive, response);
    return false;
  }

  /** Writes the answer to {@code request}, then serves the next pipelined request, if any. */
  private void respond(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      boolean keepAliveAsked,
      FullHttpResponse response) {
    if (!ctx.executor().inEventLoop()) {
      ctx.executor().execute(() -> respond(ctx, request, keepAliveAsked, response));
      return;
    }
    request.release();
    boolean keepAlive =
        keepAliveAsked && !draining.get(); // handing over: the client reconnects, to the new server
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    HttpUtil.setKeepAlive(response, keepAlive);
    if (!ctx.channel().isActive()) {
      response.release();
      return;
    }
    if (!keepAlive) {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      releasePending();
      return;
    }
    ctx.writeAndFlush(response);
    busy = false;
    inFlight = null;
    if (ctx.channel().isWritable()) {
      serveNext(ctx);
    } else {
      waitingForWritable = true; // the client is not reading: hold the next until it does
    }
  }

  private void serveNext(ChannelHandlerContext ctx) {
    FullHttpRequest next = pending.pollFirst();
    if (next != null) {
      meters.held.decrementAndGet();
      pendingBytes -= next.content().readableBytes();
    }
    if (pending.size() < MAX_PIPELINED
        && pendingBytes < MAX_PIPELINED_BYTES
        && ctx.pipeline().get(ReadGate.class).isClosed()) {
      ctx.pipeline().get(ReadGate.class).open();
      RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
      if (deadline != null) {
        deadline.resume();
      }
    }
    if (next != null) {
      serve(ctx, next);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (waitingForWritable && ctx.channel().isWritable()) {
      waitingForWritable = false;
      serveNext(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void releasePending() {
    for (FullHttpRequest request = pending.pollFirst();
        request != null;
        request = pending.pollFirst()) {
      meters.held.decrementAndGet();
      pendingBytes -= request.content().readableBytes();
      request.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == DRAIN) {
      if (stream != null) {
        endStream(ctx);
      } else if (!busy) {
        ctx.close();
      }
      return;
    }
    if (event == END_STREAMS) {
      if (stream != null) {
        endStream(ctx);
      }
      return;
    }
    if (event instanceof IdleStateEvent) {
      if (!busy) { // a long job is not idleness: only close between requests
        ctx.close();
      }
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePending();
    CompletableFuture<byte[]> job = inFlight;
    inFlight = null;
    // Nobody will read the answer: a queued job leaves the queue; a running one runs on and its
    // result is discarded, unless the server was told to cancel running jobs too (kills the child).
    if (job != null && !job.isDone() && job.cancel(settings.cancelRunningOnDisconnect())) {
      meters.clientGone.increment();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static FullHttpResponse error(HttpResponseStatus status, String code, String message) {
    return json(status, Json.error(code, message));
  }

  private static FullHttpResponse json(HttpResponseStatus status, String body) {
    FullHttpResponse response = text(status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return response;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return response;
  }
}
