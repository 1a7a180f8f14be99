package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces children one at a time without dropping capacity: a replacement is started first (one
 * child above the target) and only when it is ready does the oldest child on the list leave, when
 * idle (a busy one finishes its job first). Rolling restarts and memory recycling share it.
 * Confined to the loop.
 */
final class RollingReplacement {
  /** The children still to replace, oldest first. */
  private final ArrayDeque<ChildSlot> toReplace = new ArrayDeque<>();

  /** Ids of the children a restart must see gone before its future completes. */
  private final Set<Integer> restartIds = new HashSet<>();

  private static final Logger log = LoggerFactory.getLogger(RollingReplacement.class);
  private final String poolName;
  private final Supplier<ChildSlot> spawnExtra;
  private ChildSlot extra;
  private CompletableFuture<Void> restarted;

  /**
   * @param spawnExtra starts one child above the target (with the roster's back-off)
   */
  RollingReplacement(String poolName, Supplier<ChildSlot> spawnExtra) {
    this.poolName = poolName;
    this.spawnExtra = spawnExtra;
  }

  /** Replaces every live child; a restart asked for while one runs joins it. */
  CompletableFuture<Void> restartAll(Collection<ChildSlot> children, boolean closing) {
    if (restarted != null && !restarted.isDone()) {
      return restarted;
    }
    restarted = new CompletableFuture<>();
    for (ChildSlot child : children) {
      if (child.isStaying()) {
        restartIds.add(child.id());
        replace(child, closing);
      }
    }
    return restarted;
  }

  /** Queues one child for replacement (memory recycling, or part of a restart). */
  void replace(ChildSlot child, boolean closing) {
    if (!child.replacing()) {
      child.replacing(true);
      toReplace.addLast(child);
    }
    step(closing);
  }

  /**
   * A child became ready: if it was the replacement, returns the old child that may now leave. If
   * every child it was to replace has left meanwhile (died, was resized away), the roster replaced
   * those already, so the replacement itself is surplus and is returned to leave.
   */
  ChildSlot onReady(ChildSlot child, boolean closing) {
    if (child != extra) {
      return null;
    }
    extra = null;
    ChildSlot old = toReplace.pollFirst();
    while (old != null && !old.isStaying()) {
      old = toReplace.pollFirst();
    }
    step(closing);
    return old != null ? old : child;
  }

  /** The replacement on its way, not yet ready: not counted towards the pool's size. */
  boolean startingExtra() {
    return extra != null && extra.isLive();
  }

  /** A child died: if it was the replacement, start another (the roster's back-off applies). */
  void onLost(ChildSlot child, boolean closing) {
    if (child == extra) {
      extra = null;
      step(closing);
    }
  }

  boolean isExtra(ChildSlot child) {
    return child == extra;
  }

  private void step(boolean closing) {
    while (!toReplace.isEmpty() && !toReplace.peekFirst().isStaying()) {
      toReplace.pollFirst(); // died or is leaving anyway: the roster has replaced it already
    }
    if (!toReplace.isEmpty() && extra == null && !closing) {
      extra = spawnExtra.get();
      log.info(
          "{}: {} starts as a replacement, one above the target until an old child leaves",
          poolName,
          extra);
      log.info(
          "{}: {} starts as a replacement, one above the target until an old child leaves",
          poolName,
          extra);
    }
  }

  /** Completes the restart once every child it replaces is gone; {@code present} says who is. */
  void checkDone(IntPredicate present) {
    if (restarted == null || restarted.isDone() || !toReplace.isEmpty() || extra != null) {
      return;
    }
    for (int id : restartIds) {
      if (present.test(id)) {
        return;
      }
    }
    restartIds.clear();
    restarted.complete(null);
  }

  /** The pool closes: a restart in progress fails with {@code closed}. */
  void abandon(RuntimeException closed) {
    if (restarted != null) {
      restarted.completeExceptionally(closed);
    }
    toReplace.clear();
  }
}
