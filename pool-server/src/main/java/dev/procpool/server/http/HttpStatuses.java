package dev.procpool.server.http;

import dev.procpool.FailureCode;
import io.netty.handler.codec.http.HttpResponseStatus;

/** How each {@link FailureCode} is answered over HTTP, and when a retry may help. */
final class HttpStatuses {
  private HttpStatuses() {}

  static HttpResponseStatus of(FailureCode code) {
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
}
