package dev.procpool.rabbitmq;

/**
 * How many unacked deliveries a worker asks the broker for: the pool's capacity including held
 * jobs, {@code children × depth}, so every child has its next job in hand across the broker's round
 * trip. Never below {@code children} (one job per child, as before pipelining), never above {@link
 * #MAX} unless the children alone are more.
 *
 * <p>Why 256: past a few hundred, RabbitMQ's own guidance finds no more throughput, only more
 * messages held in a consumer's buffers and taken from other consumers; 256 covers 16 children at
 * the deepest depth (16). A host with more children than that gets one per child.
 */
final class Prefetch {
  static final int MAX = 256;

  private Prefetch() {}

  /**
   * @param children the pool's children
   * @param depth jobs each busy child may hold, the running one included (1 to 16)
   */
  static int of(int children, int depth) {
    long capacity = (long) children * Math.max(1, depth);
    return (int) Math.max(children, Math.min(MAX, capacity));
  }
}
