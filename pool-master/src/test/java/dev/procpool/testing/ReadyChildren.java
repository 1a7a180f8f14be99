package dev.procpool.testing;

import dev.procpool.PoolStatus;
import dev.procpool.ProcessPool;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The pids of a pool's ready (idle or busy) children, from its status snapshot. */
public final class ReadyChildren {
  private ReadyChildren() {}

  public static Set<Long> pids(ProcessPool pool) throws Exception {
    Set<Long> pids = new HashSet<>();
    for (PoolStatus.Child child : pool.status().get(10, TimeUnit.SECONDS).children()) {
      if (child.state() == dev.procpool.PoolStatus.ChildState.IDLE
          || child.state() == dev.procpool.PoolStatus.ChildState.BUSY) {
        pids.add(child.pid());
      }
    }
    return pids;
  }
}
