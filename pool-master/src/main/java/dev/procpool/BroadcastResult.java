package dev.procpool;

/**
 * What one child answered to a {@link ProcessPool#broadcast}: its result, or why it failed.
 *
 * @param childId the pool's id for the child
 * @param pid the child's process id
 * @param result the handler's result bytes, or null if it failed
 * @param failure the failure, or null if it succeeded
 */
public record BroadcastResult(int childId, long pid, byte[] result, PoolException failure) {
  public boolean succeeded() {
    return failure == null;
  }
}
