package dev.procpool.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The master's codecs fed split, joined, oversized and corrupt frames. */
class ChildPipelineTest {
  private static final int MAX = 1024;

  private static EmbeddedChannel inbound() {
    return new EmbeddedChannel(new FrameDecoder(MAX));
  }

  private static byte[] frame(ToMaster message) {
    byte[] body = message.toByteArray();
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }

  private static ToMaster hello(int id) {
    return ToMaster.newBuilder().setHello(Hello.newBuilder().setChildId(id).setPid(42)).build();
  }

  @Test
  void frameSplitAcrossReads_decodedOnceWhole() {
    EmbeddedChannel channel = inbound();
    byte[] bytes = frame(hello(7));
    for (byte b : bytes) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertEquals(hello(7), channel.readInbound());
    assertNull(channel.readInbound());
    channel.finishAndReleaseAll();
  }

  @Test
  void twoFramesInOneRead_bothDecodedInOrder() {
    EmbeddedChannel channel = inbound();
    ByteBuf both = Unpooled.buffer().writeBytes(frame(hello(1))).writeBytes(frame(hello(2)));
    channel.writeInbound(both);
    assertEquals(hello(1), channel.readInbound());
    assertEquals(hello(2), channel.readInbound());
    channel.finishAndReleaseAll();
  }

  @Test
  void oversizedLength_rejectedBeforeAllocating_withHexDump() {
    EmbeddedChannel channel = inbound();
    ByteBuf lie = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeBytes(new byte[] {1, 2, 3});
    DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(lie));
    FrameException cause = (FrameException) e.getCause();
    assertTrue(cause.getMessage().contains("2147483647 is outside 0..1024"), cause.getMessage());
    assertTrue(cause.getMessage().contains("7fffffff010203"), cause.getMessage());
    channel.finishAndReleaseAll();
  }

  @Test
  void negativeLength_rejected() {
    EmbeddedChannel channel = inbound();
    DecoderException e =
        assertThrows(
            DecoderException.class, () -> channel.writeInbound(Unpooled.buffer().writeInt(-1)));
    assertTrue(
        e.getCause().getMessage().contains("4294967295 is outside"), e.getCause().getMessage());
    channel.finishAndReleaseAll();
  }

  @Test
  void unparsableBody_rejectedWithHexDump() {
    EmbeddedChannel channel = inbound();
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    ByteBuf frame = Unpooled.buffer().writeInt(garbage.length).writeBytes(garbage);
    DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(frame));
    assertTrue(e.getCause() instanceof FrameException, e.toString());
    assertTrue(e.getCause().getMessage().contains("ffffffff0f"), e.getCause().getMessage());
    channel.finishAndReleaseAll();
  }

  @Test
  void truncatedFrame_waitsForTheRest_emitsNothing() {
    EmbeddedChannel channel = inbound();
    byte[] bytes = frame(hello(3));
    channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, bytes.length - 1));
    assertNull(channel.readInbound());
    channel.finishAndReleaseAll();
  }

  @Test
  void encoder_writesLengthThenBody() throws Exception {
    ToChild request =
        ToChild.newBuilder().setJob(JobRequest.newBuilder().setJobId(9).setType("echo")).build();
    ByteBuf out = ToChildFrames.encode(UnpooledByteBufAllocator.DEFAULT, request, MAX);
    assertEquals(request.getSerializedSize(), out.readInt());
    byte[] body = new byte[out.readableBytes()];
    out.readBytes(body);
    out.release();
    assertEquals(request, ToChild.newBuilder().mergeFrom(body, 0, body.length).build());
  }

  @Test
  void encoder_oversizedMessage_failsWithTheSizes() {
    ToChild big =
        ToChild.newBuilder()
            .setJob(
                JobRequest.newBuilder()
                    .setPayload(com.google.protobuf.ByteString.copyFrom(new byte[MAX + 1])))
            .build();
    FrameException e =
        assertThrows(
            FrameException.class,
            () -> ToChildFrames.encode(UnpooledByteBufAllocator.DEFAULT, big, MAX));
    assertTrue(e.getMessage().contains("exceeds the maximum of " + MAX), e.getMessage());
  }
}
