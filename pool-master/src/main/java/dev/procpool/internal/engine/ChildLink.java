package dev.procpool.internal.engine;

import dev.procpool.protocol.ToChild;
import java.util.function.Consumer;

/** The engine's side of one child's connection (a Netty channel in the pool, a fake in tests). */
public interface ChildLink {
  /** Sends a message; {@code onFailure} runs on the loop if it could not be written. */
  void send(ToChild message, Consumer<Throwable> onFailure);

  /** Closes the connection; the child sees end of stream. Idempotent. */
  void close();
}
