package dev.procpool.internal.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.ToMaster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the child's byte stream into frames (a 4-byte big-endian length, then the body) and parses
 * each body as a {@link ToMaster}, straight from the read buffer: no slice and no second decoder
 * between the bytes and the handler, which is less code per reply for a fresh JVM to run.
 *
 * <p>The length is checked against the cap before anything is allocated, so a lying prefix cannot
 * make the master reserve memory; a bad length or an unparsable body raises a {@link
 * FrameException} with the first bytes in hex, and the handler closes the channel.
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
        String dump = dump(in, start, in.readableBytes());
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
      int body = start + Frames.LENGTH_BYTES;
      try {
        out.add(ToMaster.parseFrom(in.nioBuffer(body, length)));
      } catch (InvalidProtocolBufferException e) {
        String dump = dump(in, body, length);
        in.skipBytes(in.readableBytes());
        throw new FrameException(
            "unparsable frame of "
                + length
                + " bytes ("
                + e.getMessage()
                + "); first bytes "
                + dump,
            e);
      }
      in.readerIndex(body + length);
    }
  }

  private static String dump(ByteBuf in, int from, int available) {
    return ByteBufUtil.hexDump(in, from, Math.min(available, Frames.DUMP_BYTES));
  }
}
