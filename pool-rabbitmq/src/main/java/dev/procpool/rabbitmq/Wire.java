package dev.procpool.rabbitmq;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How jobs and their outcomes travel in AMQP messages. A job: the payload as the body, headers
 * {@code procpool-type} and optionally {@code procpool-timeout-ms}, {@code correlation-id} and
 * {@code reply-to} for the answer. An answer: the result as the body, or headers {@code
 * procpool-code} (a {@link FailureCode} name) and {@code procpool-message}.
 */
final class Wire {
  static final String TYPE = "procpool-type";
  static final String TIMEOUT_MS = "procpool-timeout-ms";
  static final String CODE = "procpool-code";
  static final String MESSAGE = "procpool-message";

  private Wire() {}

  static String string(Map<String, Object> headers, String name) {
    Object value = headers == null ? null : headers.get(name);
    if (value == null) {
      return null;
    }
    return value instanceof byte[] bytes
        ? new String(bytes, StandardCharsets.UTF_8)
        : value.toString();
  }

  static long number(Map<String, Object> headers, String name) {
    Object value = headers == null ? null : headers.get(name);
    return value instanceof Number n ? n.longValue() : 0;
  }

  /** The failure an answer's headers describe, or null for a result. */
  static PoolException failure(Map<String, Object> headers, long jobId) {
    String code = string(headers, CODE);
    if (code == null) {
      return null;
    }
    FailureCode failure;
    try {
      failure = FailureCode.valueOf(code);
    } catch (IllegalArgumentException e) {
      failure = FailureCode.PROTOCOL_ERROR;
    }
    return new PoolException(failure, jobId, String.valueOf(string(headers, MESSAGE)));
  }
}
