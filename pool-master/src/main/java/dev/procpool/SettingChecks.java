package dev.procpool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The builder's per-setting checks: each names the field and the value in its message, so {@code
 * PoolConfigBuilder} reads as a list of settings. Nothing here clamps or corrects a value.
 */
final class SettingChecks {
  private SettingChecks() {}

  static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be >= " + min + ": " + value);
    }
    return value;
  }

  static long atLeast(String field, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be >= " + min + ": " + value);
    }
    return value;
  }

  /** A duration that must be longer than zero. */
  static Duration positive(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be > 0: " + value);
    }
    return value;
  }

  /** A duration where zero means "off" (or "no wait"). */
  static Duration notNegative(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + " must be >= 0: " + value);
    }
    return value;
  }

  static String notBlank(String field, String value) {
    Objects.requireNonNull(value, field);
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank: '" + value + "'");
    }
    return value;
  }

  static String environmentName(String name) {
    Objects.requireNonNull(name, "childEnvironment name");
    if (name.isEmpty() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException(
          "childEnvironment name must be non-empty without '=': '" + name + "'");
    }
    return name;
  }

  /** Absolute copies, so a later change of working directory does not move them. */
  static List<Path> absolutePaths(String field, List<Path> from) {
    List<Path> copy = new ArrayList<>();
    for (Path entry : Objects.requireNonNull(from, field)) {
      copy.add(Objects.requireNonNull(entry, field + " element").toAbsolutePath());
    }
    return copy;
  }

  /** Caffeine's requireState: a combination of settings that cannot work together. */
  static void combination(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
