package dev.procpool.internal.trace;

import io.opentelemetry.api.trace.TraceState;

/** W3C {@code tracestate} header values. */
final class TraceStates {
  private TraceStates() {}

  /** {@code key=value} members joined by commas, in the state's order; "" when empty. */
  static String w3c(TraceState state) {
    if (state.isEmpty()) {
      return "";
    }
    StringBuilder header = new StringBuilder();
    state.forEach(
        (key, value) -> {
          if (header.length() > 0) {
            header.append(',');
          }
          header.append(key).append('=').append(value);
        });
    return header.toString();
  }
}
