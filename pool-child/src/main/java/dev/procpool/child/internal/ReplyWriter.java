package dev.procpool.child.internal;

import com.google.protobuf.CodedOutputStream;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.ToMaster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * The child's replies on their way to the master: each is framed into one reused direct buffer, and
 * {@link #flush} writes it in one system call. Same layout and cap as {@link Frames#write}. A reply
 * too big for the buffer goes out on its own after what is buffered. Job thread only.
 */
final class ReplyWriter {
  /** Replies of no-op and small jobs are tens of bytes: this holds hundreds of them. */
  static final int BUFFER_BYTES = 64 * 1024;

  private final WritableByteChannel out;
  private final int maxFrameBytes;

  /** Direct: the JDK would otherwise copy a heap buffer into a direct one on every write. */
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

  private int buffered;

  ReplyWriter(WritableByteChannel out, int maxFrameBytes) {
    this.out = out;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Frames {@code message} behind the replies already buffered; writes only if it must. */
  void add(ToMaster message) throws IOException {
    int length = message.getSerializedSize();
    if (length > maxFrameBytes) {
      throw new FrameException(
          "frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes + " bytes");
    }
    int frameBytes = Frames.LENGTH_BYTES + length;
    if (frameBytes > buffer.remaining()) {
      flush();
    }
    if (frameBytes > buffer.capacity()) {
      Frames.write(out, message, maxFrameBytes);
      return;
    }
    buffer.putInt(length);
    CodedOutputStream coded = CodedOutputStream.newInstance(buffer);
    message.writeTo(coded);
    coded.flush(); // a buffer-backed stream moves the buffer's position only on flush
    buffered++;
  }

  /** Writes every buffered reply; blocks until all bytes are out. */
  void flush() throws IOException {
    if (buffered == 0) {
      return;
    }
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    } finally {
      buffer.clear();
      buffered = 0;
    }
  }
}
