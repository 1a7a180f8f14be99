package dev.procpool.internal.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.ToMaster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/** Parses one frame body as a {@link ToMaster}; an unparsable body is a {@link FrameException}. */
@Sharable
public final class ToMasterDecoder extends MessageToMessageDecoder<ByteBuf> {
  public static final ToMasterDecoder INSTANCE = new ToMasterDecoder();

  private ToMasterDecoder() {}

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf body, List<Object> out)
      throws FrameException {
    try {
      out.add(ToMaster.parseFrom(body.nioBuffer()));
    } catch (InvalidProtocolBufferException e) {
      throw new FrameException(
          "unparsable frame of "
              + body.readableBytes()
              + " bytes ("
              + e.getMessage()
              + "); first bytes "
              + ByteBufUtil.hexDump(
                  body, body.readerIndex(), Math.min(body.readableBytes(), Frames.DUMP_BYTES)),
          e);
    }
  }
}
