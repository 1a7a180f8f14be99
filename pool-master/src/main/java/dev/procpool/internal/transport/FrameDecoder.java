package dev.procpool.internal.transport;

import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the child's byte stream into frame bodies: a 4-byte big-endian length, then the body.
 *
 * <p>The length is checked against the cap before anything is allocated, so a lying prefix cannot
 * make the master reserve memory; a bad length raises a {@link FrameException} with the first bytes
 * in hex, and the handler closes the channel. A body is emitted as a retained slice of the
 * cumulation buffer: no copy.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private final int maxFrameBytes;

  public FrameDecoder(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws FrameException {
    while (in.readableBytes() >= Frames.LENGTH_BYTES) {
      int start = in.readerIndex();
      int length = in.getInt(start);
      if (length < 0 || length > maxFrameBytes) {
        String dump =
            ByteBufUtil.hexDump(in, start, Math.min(in.readableBytes(), Frames.DUMP_BYTES));
        in.skipBytes(in.readableBytes()); // nothing after a bad prefix can be trusted
        throw new FrameException(
            "frame length "
                + Integer.toUnsignedString(length)
                + " is outside 0.."
                + maxFrameBytes
                + "; first bytes "
                + dump);
      }
      if (in.readableBytes() < Frames.LENGTH_BYTES + length) {
        return; // wait for the rest of the frame
      }
      in.skipBytes(Frames.LENGTH_BYTES);
      out.add(in.readRetainedSlice(length));
    }
  }
}
