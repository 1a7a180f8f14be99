package dev.procpool.internal.transport;

import com.google.protobuf.CodedOutputStream;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.ToChild;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes a {@link ToChild} as one frame: its length, then its bytes, into one buffer. */
@Sharable
public final class ToChildEncoder extends MessageToByteEncoder<ToChild> {
  private final int maxFrameBytes;

  public ToChildEncoder(int maxFrameBytes) {
    super(ToChild.class);
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ToChild msg, boolean preferDirect) {
    return ctx.alloc().ioBuffer(Frames.LENGTH_BYTES + msg.getSerializedSize());
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, ToChild msg, ByteBuf out) throws IOException {
    int length = msg.getSerializedSize();
    if (length > maxFrameBytes) {
      throw new EncoderException(
          "frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes + " bytes");
    }
    out.writeInt(length);
    ByteBuffer target = out.nioBuffer(out.writerIndex(), length);
    CodedOutputStream coded = CodedOutputStream.newInstance(target);
    msg.writeTo(coded);
    coded.flush();
    out.writerIndex(out.writerIndex() + length);
  }
}
