package dev.procpool.protocol;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The frame layout shared by master and child, and blocking read/write for the child and for tests.
 *
 * <pre>
 * +--------------------+---------------------------------+
 * | length: int32, BE  | body: one protobuf envelope     |
 * | 0 &lt;= length &lt;= max | (ToChild or ToMaster), length B |
 * +--------------------+---------------------------------+
 * </pre>
 *
 * <p>A length above the cap, or a negative one, is a protocol error: the reader never allocates the
 * claimed length before checking it. The master's Netty decoder applies the same rule.
 */
public final class Frames {
  /** Bytes of the length prefix. */
  public static final int LENGTH_BYTES = 4;

  /** The default cap on a frame body: 16 MiB. Both sides must use the same cap. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

  /** How many leading bytes of a bad frame go into an error message. */
  public static final int DUMP_BYTES = 32;

  private Frames() {}

  /**
   * Reads one frame body and parses it. Blocks until a whole frame has arrived.
   *
   * @return the message, or {@code null} at a clean end of stream before any byte of a frame
   * @throws FrameException if the length is out of range or the body does not parse
   * @throws EOFException if the stream ends inside a frame
   */
  public static <T extends MessageLite> T read(
      ReadableByteChannel in, Parser<T> parser, int maxFrameBytes) throws IOException {
    ByteBuffer prefix = ByteBuffer.allocate(LENGTH_BYTES);
    if (!readFully(in, prefix, true)) {
      return null;
    }
    prefix.flip();
    int length = prefix.getInt(0);
    checkLength(length, maxFrameBytes, prefix);
    ByteBuffer body = ByteBuffer.allocate(length);
    readFully(in, body, false);
    body.flip();
    try {
      return parser.parseFrom(body);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      body.rewind();
      throw new FrameException(
          "unparsable frame of "
              + length
              + " bytes: "
              + e.getMessage()
              + "; first bytes "
              + hex(body),
          e);
    }
  }

  /** Writes one message as one frame. Blocks until every byte is written. */
  public static void write(WritableByteChannel out, MessageLite message, int maxFrameBytes)
      throws IOException {
    int length = message.getSerializedSize();
    if (length > maxFrameBytes) {
      throw new FrameException(
          "frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes + " bytes");
    }
    ByteBuffer frame = ByteBuffer.allocate(LENGTH_BYTES + length);
    frame.putInt(length);
    com.google.protobuf.CodedOutputStream coded =
        com.google.protobuf.CodedOutputStream.newInstance(frame);
    message.writeTo(coded);
    coded.flush(); // a buffer-backed stream moves the buffer's position only on flush
    frame.flip();
    while (frame.hasRemaining()) {
      out.write(frame);
    }
  }

  /** Throws a {@link FrameException} unless {@code 0 <= length <= maxFrameBytes}. */
  public static void checkLength(int length, int maxFrameBytes, ByteBuffer firstBytes)
      throws FrameException {
    if (length < 0 || length > maxFrameBytes) {
      throw new FrameException(
          "frame length "
              + Integer.toUnsignedString(length)
              + " is outside 0.."
              + maxFrameBytes
              + "; first bytes "
              + hex(firstBytes.rewind()));
    }
  }

  /** Hex of up to {@link #DUMP_BYTES} bytes from the buffer's position, for error messages. */
  public static String hex(ByteBuffer bytes) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(bytes.remaining(), DUMP_BYTES);
    for (int i = 0; i < n; i++) {
      sb.append(String.format("%02x", bytes.get(bytes.position() + i) & 0xff));
    }
    if (bytes.remaining() > n) {
      sb.append("...");
    }
    return sb.length() == 0 ? "(none)" : sb.toString();
  }

  private static boolean readFully(ReadableByteChannel in, ByteBuffer into, boolean eofAllowed)
      throws IOException {
    while (into.hasRemaining()) {
      if (in.read(into) < 0) {
        if (eofAllowed && into.position() == 0) {
          return false;
        }
        throw new EOFException(
            "stream ended inside a frame after "
                + into.position()
                + " of "
                + into.limit()
                + " bytes");
      }
    }
    return true;
  }
}
