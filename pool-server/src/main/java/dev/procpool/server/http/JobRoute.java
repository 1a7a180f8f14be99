package dev.procpool.server.http;

import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * {@code POST /jobs/{type}}: the body is the payload, {@code X-Job-Timeout-Ms} and {@code
 * X-Job-Deadline-Ms} bound it; the answer is the result's bytes or the failure's JSON. When the
 * client goes before its answer, its job is cancelled (queued: it leaves the queue; running: only
 * with {@code cancelRunningOnDisconnect}, which kills the child). One instance per connection, on
 * its event loop.
 */
final class JobRoute implements Route {
  /** Job types are names, not paths: no slashes, dots only inside, at most 128 characters. */
  static final Pattern JOB_TYPE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  static final int MAX_TYPE_CHARS = 128;
  static final String TIMEOUT_HEADER = "X-Job-Timeout-Ms";
  static final String DEADLINE_HEADER = "X-Job-Deadline-Ms";

  private final Backend backend;
  private final HttpSettings settings;
  private final HttpMeters meters;

  /** The job of the request being served, until its answer is written. */
  private CompletableFuture<byte[]> inFlight;

  JobRoute(Backend backend, HttpSettings settings, HttpMeters meters) {
    this.backend = backend;
    this.settings = settings;
    this.meters = meters;
  }

  @Override
  public void serve(ChannelHandlerContext ctx, FullHttpRequest request, String rawType) {
    // The raw path is checked as it came: an encoded slash or dot segment is not a job type.
    if (rawType.length() > MAX_TYPE_CHARS || !JOB_TYPE.matcher(rawType).matches()) {
      invalid(
          ctx,
          request,
          "job type must match "
              + JOB_TYPE.pattern()
              + " and be at most "
              + MAX_TYPE_CHARS
              + " characters");
      return;
    }
    String timeoutHeader = request.headers().get(TIMEOUT_HEADER);
    String deadlineHeader = request.headers().get(DEADLINE_HEADER);
    long timeoutMillis = timeoutHeader == null ? 0 : positiveMillis(timeoutHeader);
    long deadlineMillis = deadlineHeader == null ? 0 : positiveMillis(deadlineHeader);
    if (timeoutMillis < 0 || deadlineMillis < 0) {
      String name = timeoutMillis < 0 ? TIMEOUT_HEADER : DEADLINE_HEADER;
      String value = timeoutMillis < 0 ? timeoutHeader : deadlineHeader;
      invalid(ctx, request, name + " must be a positive number of milliseconds: '" + value + "'");
      return;
    }
    Job<byte[]> job = Job.of(rawType, ByteBufUtil.getBytes(request.content()));
    if (timeoutMillis > 0) {
      long capped = Math.min(timeoutMillis, settings.maxJobTimeout().toMillis());
      job = job.withTimeout(Duration.ofMillis(capped));
    }
    if (deadlineMillis > 0) {
      job = job.withDeadline(Instant.now().plusMillis(deadlineMillis));
    }
    CompletableFuture<byte[]> future = backend.submit(job);
    // Refused at once because the queue cannot meet the deadline: come back later (503), unlike a
    // deadline that passed while the job waited (504).
    boolean refusedNow = future.isCompletedExceptionally();
    inFlight = future;
    future.whenComplete(
        (result, failure) -> {
          FullHttpResponse response =
              refusedNow ? refusal(failure) : Responses.outcome(result, failure);
          if (ctx.executor().inEventLoop()) {
            answered(ctx, request, future, response);
          } else {
            ctx.executor().execute(() -> answered(ctx, request, future, response));
          }
        });
  }

  private void answered(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      CompletableFuture<byte[]> future,
      FullHttpResponse response) {
    if (inFlight == future) {
      inFlight = null;
    }
    Route.answer(ctx, request, response);
  }

  /**
   * Nobody will read the answer: a queued job leaves the queue; a running one runs on and its
   * result is discarded, unless the server was told to cancel running jobs too (kills the child).
   */
  void clientGone() {
    CompletableFuture<byte[]> job = inFlight;
    inFlight = null;
    if (job != null && !job.isDone() && job.cancel(settings.cancelRunningOnDisconnect())) {
      meters.clientGone.increment();
    }
  }

  private static void invalid(ChannelHandlerContext ctx, FullHttpRequest request, String message) {
    Route.answer(ctx, request, HttpError.INVALID_REQUEST.response(message));
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
    if (Responses.unwrap(failure) instanceof PoolException e
        && e.code() == FailureCode.DEADLINE_EXCEEDED) {
      FullHttpResponse response =
          Responses.error(
              io.netty.handler.codec.http.HttpResponseStatus.SERVICE_UNAVAILABLE,
              e.code().name(),
              e.getMessage(),
              1);
      return response;
    }
    return Responses.outcome(null, failure);
  }
}
