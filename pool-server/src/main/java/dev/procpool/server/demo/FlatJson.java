package dev.procpool.server.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a flat JSON object whose values are strings or integers, such as {@code {"from":"a",
 * "to":"b","amount":5}}: all the ledger handlers need, without a JSON library in every child.
 * Anything else is an {@link IllegalArgumentException} that says where.
 */
final class FlatJson {
  private final String text;
  private int pos;

  private FlatJson(String text) {
    this.text = text;
  }

  static Map<String, Object> parse(String text) {
    FlatJson parser = new FlatJson(text);
    Map<String, Object> fields = parser.object();
    parser.skipSpace();
    if (parser.pos != text.length()) {
      throw parser.error("unexpected text after the object");
    }
    return fields;
  }

  private Map<String, Object> object() {
    Map<String, Object> fields = new LinkedHashMap<>();
    expect('{');
    skipSpace();
    if (peek() == '}') {
      pos++;
      return fields;
    }
    while (true) {
      skipSpace();
      String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      Object value = peek() == '"' ? string() : number();
      if (fields.put(key, value) != null) {
        throw error("duplicate key '" + key + "'");
      }
      skipSpace();
      char c = next();
      if (c == '}') {
        return fields;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return out.toString();
      }
      if (c == '\\') {
        char escaped = next();
        switch (escaped) {
          case '"', '\\', '/' -> out.append(escaped);
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error("truncated \\u escape");
            }
            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> throw error("unsupported escape \\" + escaped);
        }
      } else {
        out.append(c);
      }
    }
  }

  private Long number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
      pos++;
    }
    try {
      return Long.parseLong(text.substring(start, pos));
    } catch (NumberFormatException e) {
      throw error("expected a string or an integer");
    }
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      pos--;
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("bad JSON at offset " + pos + ": " + what);
  }

  static String requireString(Map<String, Object> fields, String key) {
    Object value = fields.get(key);
    if (!(value instanceof String) || ((String) value).isEmpty()) {
      throw new IllegalArgumentException("'" + key + "' must be a non-empty string");
    }
    return (String) value;
  }

  static long requireLong(Map<String, Object> fields, String key) {
    Object value = fields.get(key);
    if (!(value instanceof Long)) {
      throw new IllegalArgumentException("'" + key + "' must be an integer");
    }
    return (Long) value;
  }
}
