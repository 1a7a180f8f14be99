package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.List;

/** The last {@link #SIZE} child deaths, newest first, for the status page. Confined to the loop. */
final class DeathLog {
  static final int SIZE = 50;
  private final ArrayDeque<ChildDeath> deaths = new ArrayDeque<>();

  void add(ChildDeath death) {
    if (deaths.size() == SIZE) {
      deaths.pollLast();
    }
    deaths.addFirst(death);
  }

  List<ChildDeath> recent() {
    return List.copyOf(deaths);
  }
}
