package dev.procpool.http;

/** Just enough JSON writing for error bodies and the status page. */
final class Json {
  private Json() {}

  /** A JSON string literal, quoted and escaped; null becomes {@code null}. */
  static String string(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** The body of every error response: {@code {"code":...,"message":...}}. */
  static String error(String code, String message) {
    return "{\"code\":" + string(code) + ",\"message\":" + string(message) + "}";
  }
}
