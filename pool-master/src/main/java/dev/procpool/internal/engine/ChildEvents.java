package dev.procpool.internal.engine;

/** What happens to children, as the {@link Roster} reports it; the engine routes each event. */
interface ChildEvents {
  /** The child said a valid hello: it may take work. */
  void onChildReady(ChildSlot child);

  /** The child takes no more work: it is being stopped. */
  void onChildLeaving(ChildSlot child);

  /** The child's process is gone; {@code death} says why, for its job's error. */
  void onChildLost(ChildSlot child, ChildDeath death);

  /** Children keep failing to start and none is ready. */
  void onUnhealthy(String reason);
}
