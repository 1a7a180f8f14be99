package dev.procpool.internal.engine;

import dev.procpool.protocol.ToChild;

/** The engine's side of one child's connection (a Netty channel in the pool, a fake in tests). */
public interface ChildLink {
  /**
   * Sends a message. One that cannot be sent (the socket failed; or, against the check at submit, a
   * frame over the cap) closes the connection: the engine hears of it as the channel closing, the
   * path every lost child takes.
   */
  void send(ToChild message);

  /** Closes the connection; the child sees end of stream. Idempotent. */
  void close();
}
