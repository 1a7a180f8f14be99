package dev.procpool.internal.engine;

import dev.procpool.protocol.ToChild;
import java.util.function.Consumer;

/** The engine's side of one child's connection (a Netty channel in the pool, a fake in tests). */
public interface ChildLink {
  /**
   * Sends a message. {@code onFailure} runs on the loop, before this returns, if the message cannot
   * be framed (larger than the frame cap); a write that fails on the socket closes the connection
   * instead, and the engine hears of it as the channel closing.
   */
  void send(ToChild message, Consumer<Throwable> onFailure);

  /** Closes the connection; the child sees end of stream. Idempotent. */
  void close();
}
