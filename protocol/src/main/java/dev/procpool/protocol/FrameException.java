package dev.procpool.protocol;

import java.io.IOException;

/** A frame that breaks the protocol: bad length or unparsable body. The connection is finished. */
public final class FrameException extends IOException {
  public FrameException(String message) {
    super(message);
  }

  public FrameException(String message, Throwable cause) {
    super(message, cause);
  }
}
