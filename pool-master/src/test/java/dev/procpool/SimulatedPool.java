package dev.procpool;

import dev.procpool.internal.host.EngineHost;

/**
 * Opens the package-private way to start a {@link ProcessPool} on another host, for the engine
 * simulation (in {@code dev.procpool.internal.engine}), which drives the real facade over a virtual
 * loop and fake children. Test code only.
 */
public final class SimulatedPool {
  private SimulatedPool() {}

  public static ProcessPool start(PoolConfig config, EngineHost.Factory hosts) {
    return ProcessPool.start(config, hosts);
  }
}
