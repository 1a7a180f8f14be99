package dev.procpool.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.FrameException;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.ToMaster;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generated input for the master's decoders, bounded in count and seeded so a failure repeats:
 * whatever arrives, the result is decoded messages or a {@link FrameException}, never another
 * error, never a leak (tests run with paranoid leak detection).
 */
class DecoderFuzzTest {
  private static final int MAX = 64 * 1024;
  private static final int CASES = 3_000;

  @Test
  void randomBytes_onlyMessagesOrFrameExceptions() {
    Random random = new Random(0xC0FFEE);
    for (int i = 0; i < CASES; i++) {
      byte[] bytes = new byte[random.nextInt(64)];
      random.nextBytes(bytes);
      if (random.nextBoolean() && bytes.length >= 4) {
        ByteBuffer.wrap(bytes)
            .putInt(random.nextInt(bytes.length)); // a plausible length, garbage body
      }
      EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
      try {
        // Split at a random point: decoders must cope with any fragmentation.
        int cut = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, cut));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
        for (Object out = channel.readInbound(); out != null; out = channel.readInbound()) {
          assertInstanceOf(ToMaster.class, out, "case " + i);
        }
      } catch (DecoderException e) {
        assertInstanceOf(FrameException.class, e.getCause(), "case " + i + ": " + e);
      } finally {
        channel.finishAndReleaseAll();
      }
    }
  }

  @Test
  void randomValidFrames_randomlyFragmented_decodedExactlyInOrder() {
    Random random = new Random(42);
    for (int i = 0; i < 300; i++) {
      List<ToMaster> sent = new ArrayList<>();
      ByteBuffer stream = ByteBuffer.allocate(1 << 20);
      int count = 1 + random.nextInt(20);
      for (int m = 0; m < count; m++) {
        byte[] payload = new byte[random.nextInt(2000)];
        random.nextBytes(payload);
        ToMaster message =
            ToMaster.newBuilder()
                .setReply(
                    JobReply.newBuilder()
                        .setJobId(random.nextLong())
                        .setResult(ByteString.copyFrom(payload)))
                .build();
        sent.add(message);
        byte[] body = message.toByteArray();
        stream.putInt(body.length).put(body);
      }
      stream.flip();
      EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
      while (stream.hasRemaining()) {
        int n = Math.min(stream.remaining(), 1 + random.nextInt(3000));
        byte[] piece = new byte[n];
        stream.get(piece);
        channel.writeInbound(Unpooled.wrappedBuffer(piece));
      }
      for (ToMaster expected : sent) {
        assertEquals(expected, channel.readInbound());
      }
      assertNull(channel.readInbound());
      channel.finishAndReleaseAll();
    }
  }
}
