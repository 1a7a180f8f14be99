package dev.procpool.protocol;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Blocking frame reader with its own buffer: one {@code read} system call usually brings a whole
 * frame (often more), where {@link Frames#read} needs two (prefix, then body). Same layout and
 * checks as {@link Frames}. Not thread-safe: one reader per channel, used by one thread.
 */
public final class FrameReader {
  private static final int INITIAL_BYTES = 64 * 1024;

  private final ReadableByteChannel in;
  private final int maxFrameBytes;

  /** Unread bytes are between position and limit. */
  private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_BYTES).flip();

  public FrameReader(ReadableByteChannel in, int maxFrameBytes) {
    this.in = in;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Reads and parses the next frame.
   *
   * @return the message, or null at a clean end of stream between frames
   * @throws FrameException if the length is out of range or the body does not parse
   * @throws EOFException if the stream ends inside a frame
   */
  public <T extends MessageLite> T read(Parser<T> parser) throws IOException {
    if (!fill(Frames.LENGTH_BYTES, true)) {
      return null;
    }
    int length = buffer.getInt(buffer.position());
    if (length < 0 || length > maxFrameBytes) {
      Frames.checkLength(length, maxFrameBytes, buffer.slice());
    }
    fill(Frames.LENGTH_BYTES + length, false);
    int bodyStart = buffer.position() + Frames.LENGTH_BYTES;
    ByteBuffer body = buffer.slice(bodyStart, length);
    buffer.position(bodyStart + length);
    try {
      return parser.parseFrom(CodedInputStream.newInstance(body));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new FrameException(
          "unparsable frame of "
              + length
              + " bytes: "
              + e.getMessage()
              + "; first bytes "
              + Frames.hex(body.rewind()),
          e);
    }
  }

  /** Makes at least {@code bytes} unread bytes available, reading as much as the channel has. */
  private boolean fill(int bytes, boolean eofAllowed) throws IOException {
    if (buffer.remaining() >= bytes) {
      return true;
    }
    if (buffer.capacity() < bytes) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(bytes, buffer.capacity() * 2));
      bigger.put(buffer).flip();
      buffer = bigger;
    }
    buffer.compact(); // now in write mode
    try {
      while (buffer.position() < bytes) {
        if (in.read(buffer) < 0) {
          if (eofAllowed && buffer.position() == 0) {
            return false;
          }
          throw new EOFException(
              "stream ended inside a frame after " + buffer.position() + " of " + bytes + " bytes");
        }
      }
    } finally {
      buffer.flip();
    }
    return true;
  }
}
