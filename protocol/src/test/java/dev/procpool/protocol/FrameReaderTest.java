package dev.procpool.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FrameReaderTest {
  private static final int MAX = 256 * 1024;

  private static ToChild job(long id, int payloadBytes) {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType("t")
                .setPayload(ByteString.copyFrom(new byte[payloadBytes])))
        .build();
  }

  private static byte[] frames(ToChild... messages) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ToChild m : messages) {
      Frames.write(Channels.newChannel(out), m, MAX);
    }
    return out.toByteArray();
  }

  /** An input stream that hands out at most {@code chunk} bytes per read, like a slow socket. */
  private static InputStream trickle(byte[] bytes, int chunk) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, chunk));
      }
    };
  }

  @Test
  void manyFramesInOneBuffer_andFramesSplitAcrossReads_allReadInOrder() throws Exception {
    ToChild[] messages = {job(1, 10), job(2, 100_000), job(3, 0), job(4, 70_000)};
    for (int chunk : new int[] {1, 7, 4096, 1 << 20}) {
      FrameReader reader =
          new FrameReader(Channels.newChannel(trickle(frames(messages), chunk)), MAX);
      for (ToChild expected : messages) {
        assertEquals(expected, reader.read(ToChild.parser()), "chunk " + chunk);
      }
      assertNull(reader.read(ToChild.parser()));
    }
  }

  @Test
  void endInsideFrame_eof() throws Exception {
    byte[] bytes = frames(job(1, 50));
    FrameReader reader =
        new FrameReader(
            Channels.newChannel(new ByteArrayInputStream(Arrays.copyOf(bytes, bytes.length - 1))),
            MAX);
    assertThrows(EOFException.class, () -> reader.read(ToChild.parser()));
  }

  @Test
  void lengthOverMax_frameException_beforeReadingBody() {
    byte[] bytes = ByteBuffer.allocate(4).putInt(MAX + 1).array();
    FrameReader reader = new FrameReader(Channels.newChannel(new ByteArrayInputStream(bytes)), MAX);
    FrameException e = assertThrows(FrameException.class, () -> reader.read(ToChild.parser()));
    assertTrue(e.getMessage().contains("is outside 0.." + MAX), e.getMessage());
  }
}
