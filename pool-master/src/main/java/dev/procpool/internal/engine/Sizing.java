package dev.procpool.internal.engine;

/**
 * How many children the pool keeps: {@code target} live children, between {@code min} and {@code
 * max}. A static pool has {@code min == max}; a dynamic one grows by one while more jobs wait than
 * children are starting, and shrinks when an extra child sits idle past the idle timeout (PHP-FPM's
 * dynamic mode). Confined to the loop; the roster acts on its answers.
 */
final class Sizing {
  private int min;
  private int max;
  private int target;
  private final long idleTimeoutNanos;

  Sizing(int min, int max, long idleTimeoutNanos) {
    this.min = min;
    this.max = max;
    this.target = min;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  int target() {
    return target;
  }

  int min() {
    return min;
  }

  int max() {
    return max;
  }

  boolean dynamic() {
    return max > min;
  }

  long idleTimeoutNanos() {
    return idleTimeoutNanos;
  }

  /** Jobs wait: grow by one if more wait than children are on their way, and there is room. */
  boolean growFor(int queued, int starting) {
    if (target < max && starting < queued) {
      target++;
      return true;
    }
    return false;
  }

  /** An extra child idle since {@code idleSinceNanos} may leave: if so, the target drops by one. */
  boolean shrinkFor(long idleSinceNanos, long nowNanos) {
    if (target > min && nowNanos - idleSinceNanos > idleTimeoutNanos) {
      target--;
      return true;
    }
    return false;
  }

  /** A new fixed size; a dynamic pool keeps its ceiling (or raises it to {@code children}). */
  void resize(int children) {
    max = dynamic() ? Math.max(max, children) : children;
    min = children;
    target = children;
  }
}
