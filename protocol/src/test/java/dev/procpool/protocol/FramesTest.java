package dev.procpool.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FramesTest {
  private static final int MAX = 4096;

  private static ReadableByteChannel in(byte[] bytes) {
    return Channels.newChannel(new ByteArrayInputStream(bytes));
  }

  private static byte[] written(ToChild... messages) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ToChild message : messages) {
      Frames.write(Channels.newChannel(out), message, MAX);
    }
    return out.toByteArray();
  }

  private static ToChild job(long id) {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType("echo")
                .setPayload(ByteString.copyFromUtf8("p" + id)))
        .build();
  }

  @Test
  void writeThenRead_roundTripsEveryMessageInOrder() throws Exception {
    ReadableByteChannel in = in(written(job(1), job(2), job(3)));
    assertEquals(job(1), Frames.read(in, ToChild.parser(), MAX));
    assertEquals(job(2), Frames.read(in, ToChild.parser(), MAX));
    assertEquals(job(3), Frames.read(in, ToChild.parser(), MAX));
    assertNull(Frames.read(in, ToChild.parser(), MAX), "clean end of stream");
  }

  @Test
  void write_layoutIsBigEndianLengthThenBody() throws Exception {
    byte[] bytes = written(job(5));
    assertEquals(job(5).getSerializedSize(), ByteBuffer.wrap(bytes).getInt());
    assertEquals(4 + job(5).getSerializedSize(), bytes.length);
  }

  @Test
  void read_streamEndsInsideFrame_eofException() throws Exception {
    byte[] bytes = written(job(1));
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    assertThrows(EOFException.class, () -> Frames.read(in(cut), ToChild.parser(), MAX));
  }

  @Test
  void read_lengthOverMax_frameExceptionWithHex() {
    byte[] bytes = ByteBuffer.allocate(4).putInt(MAX + 1).array();
    FrameException e =
        assertThrows(FrameException.class, () -> Frames.read(in(bytes), ToChild.parser(), MAX));
    assertTrue(e.getMessage().contains("4097 is outside 0..4096"), e.getMessage());
    assertTrue(e.getMessage().contains("00001001"), e.getMessage());
  }

  @Test
  void read_garbageBody_frameException() {
    byte[] bytes =
        ByteBuffer.allocate(7)
            .putInt(3)
            .put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff})
            .array();
    FrameException e =
        assertThrows(FrameException.class, () -> Frames.read(in(bytes), ToChild.parser(), MAX));
    assertTrue(e.getMessage().contains("ffffff"), e.getMessage());
  }

  @Test
  void write_messageOverMax_refused() {
    ToChild big =
        ToChild.newBuilder()
            .setJob(JobRequest.newBuilder().setPayload(ByteString.copyFrom(new byte[MAX])))
            .build();
    assertThrows(FrameException.class, () -> written(big));
  }
}
