package dev.procpool.server.demo;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.Map;

/**
 * The fields of a ledger job's JSON object, such as {@code {"from":"a","to":"b","amount":5}}.
 * Anything that is not such an object is an {@link IllegalArgumentException} whose message starts
 * with "bad JSON" and says where: the job fails {@code JOB_FAILED} with it.
 */
final class JobFields {
  /** Duplicate keys are refused: {@code {"amount":1,"amount":1000}} is an error, not a guess. */
  private static final JSON PARSER =
      JSON.builder().enable(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS).build();

  private JobFields() {}

  static Map<String, Object> parse(byte[] payload) {
    try {
      Map<String, Object> fields = PARSER.mapFrom(payload);
      if (fields == null) {
        throw new IllegalArgumentException("bad JSON: expected an object, got null");
      }
      return fields;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "bad JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
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
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new IllegalArgumentException("'" + key + "' must be an integer");
    }
    return ((Number) value).longValue();
  }
}
