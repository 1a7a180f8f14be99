package dev.procpool.server.http;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every error the HTTP front end answers with, in one place: the {@code code} of the JSON body, its
 * HTTP status and when a retry may help ({@code Retry-After}). A job's own failure keeps the pool's
 * {@link FailureCode} as its code; {@link #status(FailureCode)} maps those.
 */
enum HttpError {
  MALFORMED_REQUEST(HttpResponseStatus.BAD_REQUEST, 0),
  /** The request was not taken (bad job type, header, admin body): as the pool's own code. */
  INVALID_REQUEST(HttpResponseStatus.BAD_REQUEST, 0),
  UNAUTHORIZED(HttpResponseStatus.UNAUTHORIZED, 0),
  /** A {@code Host} that is not this server's: DNS rebinding, or a proxy not yet allowed. */
  HOST_NOT_ALLOWED(HttpResponseStatus.FORBIDDEN, 0),
  /** A page of another origin: a cross-site request. */
  ORIGIN_NOT_ALLOWED(HttpResponseStatus.FORBIDDEN, 0),
  NOT_FOUND(HttpResponseStatus.NOT_FOUND, 0),
  METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, 0),
  REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, 0),
  BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, 0),
  URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, 0),
  HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, 0),
  /** A bug: the body carries an id the log has, never the exception's text. */
  INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR, 0),
  /** {@code /status} could not be made (the pool is closed). */
  UNAVAILABLE(HttpResponseStatus.SERVICE_UNAVAILABLE, 1),
  ADMIN_FAILED(HttpResponseStatus.SERVICE_UNAVAILABLE, 0),
  TOO_MANY_CONNECTIONS(HttpResponseStatus.SERVICE_UNAVAILABLE, 1),
  TOO_MANY_STREAMS(HttpResponseStatus.SERVICE_UNAVAILABLE, 5),
  HTTP_VERSION_NOT_SUPPORTED(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, 0);

  final HttpResponseStatus status;
  final int retryAfterSeconds;

  HttpError(HttpResponseStatus status, int retryAfterSeconds) {
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A JSON error answer, with {@code Retry-After} when a retry may help. */
  FullHttpResponse response(String message) {
    return Responses.error(status, name(), message, retryAfterSeconds);
  }

  /** The answer to a job's failure, under the pool's own code. */
  static FullHttpResponse response(PoolException e) {
    FailureCode code = e.code();
    return Responses.error(status(code), code.name(), e.getMessage(), retryAfterSeconds(code));
  }

  static HttpResponseStatus status(FailureCode code) {
    return switch (code) {
      case INVALID_REQUEST -> HttpResponseStatus.BAD_REQUEST;
      case UNKNOWN_JOB_TYPE -> HttpResponseStatus.NOT_FOUND;
      case JOB_FAILED -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
      case JOB_TIMEOUT, DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case CHILD_CRASHED, PROTOCOL_ERROR, POISON_JOB -> HttpResponseStatus.BAD_GATEWAY;
      case QUEUE_FULL, POOL_CLOSED, SPAWN_FAILED -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      // Only the caller cancels a job; over HTTP that means the client went away.
      case CANCELLED -> HttpResponseStatus.valueOf(499, "Client Closed Request");
    };
  }

  /** Seconds for {@code Retry-After}, or 0 when a retry would not help. */
  static int retryAfterSeconds(FailureCode code) {
    return switch (code) {
      case QUEUE_FULL, POOL_CLOSED -> 1;
      case SPAWN_FAILED -> 5;
      default -> 0;
    };
  }

  /** Marks an answer after which the connection closes (the gate honours it). */
  static FullHttpResponse closing(FullHttpResponse response) {
    response.headers().set(HttpHeaderNames.CONNECTION, "close");
    return response;
  }
}
