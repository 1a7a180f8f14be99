package dev.procpool.rabbitmq;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How jobs and their outcomes travel in AMQP messages. A job: the payload as the body, headers
 * {@code procpool-type} and optionally {@code procpool-timeout-ms}, {@code correlation-id} and
 * {@code reply-to} (a direct reply-to address) for the answer. An answer: the result as the body,
 * or headers {@code procpool-code} (a {@link FailureCode} name) and {@code procpool-message} (cut
 * at {@link #MAX_HEADER_MESSAGE_CHARS}) with the whole message as the body.
 */
final class Wire {
  static final String TYPE = "procpool-type";
  static final String TIMEOUT_MS = "procpool-timeout-ms";
  static final String CODE = "procpool-code";
  static final String MESSAGE = "procpool-message";

  /** Set by a quorum queue on a redelivery: how often the message was returned before. */
  static final String DELIVERY_COUNT = "x-delivery-count";

  /**
   * Every answer goes back on direct reply-to: to the channel that published the job, nowhere else.
   */
  static final String DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

  /**
   * Headers travel in one frame, which the broker caps (128 KiB by default); a publish with larger
   * headers throws before anything is sent. A message cut here leaves room for everything else.
   */
  static final int MAX_HEADER_MESSAGE_CHARS = 1024;

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

  /** True for the address a client's direct reply-to consumer gets (the broker expands it). */
  static boolean isDirectReplyTo(String replyTo) {
    return replyTo != null
        && (replyTo.equals(DIRECT_REPLY_TO) || replyTo.startsWith(DIRECT_REPLY_TO + "."));
  }

  /** The message for the {@code procpool-message} header: cut, with a note, when long. */
  static String headerMessage(String message) {
    String text = String.valueOf(message);
    if (text.length() <= MAX_HEADER_MESSAGE_CHARS) {
      return text;
    }
    int cut = MAX_HEADER_MESSAGE_CHARS;
    if (Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--; // never split a surrogate pair
    }
    return text.substring(0, cut) + "... (" + text.length() + " chars; all of it in the body)";
  }

  /**
   * The failure an answer describes, or null for a result. The body holds the whole message; an
   * empty body (an older worker) leaves the header's.
   */
  static PoolException failure(Map<String, Object> headers, byte[] body, long jobId) {
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
    String message =
        body != null && body.length > 0
            ? new String(body, StandardCharsets.UTF_8)
            : String.valueOf(string(headers, MESSAGE));
    return new PoolException(failure, jobId, message);
  }
}
