package dev.procpool.internal.transport;

import com.google.protobuf.CodedOutputStream;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.ToChild;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Encodes a {@link ToChild} as one frame (its length, then its bytes) in one buffer. Called by the
 * link itself rather than from an encoder in the pipeline: a job's write then passes no handler on
 * its way to the socket, which is less code for a fresh JVM to run interpreted and to compile.
 */
final class ToChildFrames {
  private ToChildFrames() {}

  /**
   * The frame of {@code message}; a body over {@code maxFrameBytes} is a {@link FrameException}.
   */
  static ByteBuf encode(ByteBufAllocator alloc, ToChild message, int maxFrameBytes)
      throws FrameException {
    int length = message.getSerializedSize();
    if (length > maxFrameBytes) {
      throw new FrameException(
          "frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes + " bytes");
    }
    ByteBuf frame = alloc.ioBuffer(Frames.LENGTH_BYTES + length);
    try {
      frame.writeInt(length);
      ByteBuffer body = frame.nioBuffer(frame.writerIndex(), length);
      CodedOutputStream coded = CodedOutputStream.newInstance(body);
      message.writeTo(coded);
      coded.flush(); // a buffer-backed stream moves the buffer's position only on flush
      frame.writerIndex(frame.writerIndex() + length);
      return frame;
    } catch (IOException e) {
      frame.release();
      throw new UncheckedIOException("a message did not fit its own serialized size", e);
    } catch (RuntimeException e) {
      frame.release();
      throw e;
    }
  }
}
