package dev.procpool.internal.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every child the pool tracks, by id, oldest first, and the counts the roster decides by. Confined
 * to the loop.
 */
final class ChildSlots {
  private final Map<Integer, ChildSlot> byId = new LinkedHashMap<>();

  void add(ChildSlot child) {
    byId.put(child.id(), child);
  }

  ChildSlot get(int id) {
    return byId.get(id);
  }

  void remove(ChildSlot child) {
    byId.remove(child.id());
  }

  boolean contains(int id) {
    return byId.containsKey(id);
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  /** A copy: callers may stop children while they walk it. */
  List<ChildSlot> all() {
    return new ArrayList<>(byId.values());
  }

  /**
   * Starting, idle or busy, and not leaving after their job: the children that count towards the
   * target.
   */
  int live() {
    int live = 0;
    for (ChildSlot child : byId.values()) {
      if (child.isStaying()) {
        live++;
      }
    }
    return live;
  }

  int ready() {
    int ready = 0;
    for (ChildSlot child : byId.values()) {
      if (child.isReady()) {
        ready++;
      }
    }
    return ready;
  }

  int starting() {
    int starting = 0;
    for (ChildSlot child : byId.values()) {
      if (child.isStarting()) {
        starting++;
      }
    }
    return starting;
  }

  /** Children that can run a job now or after their current one: for broadcasts. */
  List<ChildSlot> readyChildren() {
    List<ChildSlot> ready = new ArrayList<>();
    for (ChildSlot child : byId.values()) {
      if (child.isReady()) {
        ready.add(child);
      }
    }
    return ready;
  }

  /** True when exactly {@code target} children are ready and none is arriving or leaving. */
  boolean settledAt(int target) {
    if (ready() != target) {
      return false;
    }
    for (ChildSlot child : byId.values()) {
      if (!child.isReady()) {
        return false;
      }
    }
    return true;
  }

  /** Every child, for the invariant check; no copy. */
  Iterable<ChildSlot> view() {
    return byId.values();
  }

  List<ChildSnapshot> snapshot(long nowNanos) {
    List<ChildSnapshot> children = new ArrayList<>();
    for (ChildSlot child : byId.values()) {
      children.add(child.snapshot(nowNanos));
    }
    return List.copyOf(children);
  }
}
