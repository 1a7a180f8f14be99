package dev.procpool.server.http;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the front end's answers: JSON, text, a job's outcome, and the generic 500. */
final class Responses {
  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  private Responses() {}

  static FullHttpResponse json(HttpResponseStatus status, String body) {
    FullHttpResponse response = text(status, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return response;
  }

  static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return response;
  }

  static FullHttpResponse error(
      HttpResponseStatus status, String code, String message, int retryAfterSeconds) {
    FullHttpResponse response = json(status, Json.error(code, message));
    if (retryAfterSeconds > 0) {
      response.headers().setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    }
    return response;
  }

  /** A job's result (200, the handler's bytes) or its failure under the pool's code. */
  static FullHttpResponse outcome(byte[] result, Throwable failure) {
    if (failure == null) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(result));
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      return response;
    }
    Throwable cause = unwrap(failure);
    if (cause instanceof PoolException e) {
      return HttpError.response(e);
    }
    if (cause instanceof CancellationException) {
      return error(
          HttpError.status(FailureCode.CANCELLED),
          FailureCode.CANCELLED.name(),
          "the job was cancelled",
          0);
    }
    return internal(cause);
  }

  /**
   * 500 for a failure nobody expected. The client learns only an id; the log has the id with the
   * exception, whose text may name files, hosts or secrets.
   */
  static FullHttpResponse internal(Throwable cause) {
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    log.error("internal error {} while answering a request", id, cause);
    return HttpError.closing(
        HttpError.INTERNAL.response("internal error; the server's log has it as " + id));
  }

  static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
