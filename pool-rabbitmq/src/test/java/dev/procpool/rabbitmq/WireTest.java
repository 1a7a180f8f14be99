package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {
  @Test
  void headerMessage_shortKept_longCutWithANote() {
    assertEquals("short", Wire.headerMessage("short"));
    String cut = Wire.headerMessage("x".repeat(200_000));
    assertTrue(cut.length() < Wire.MAX_HEADER_MESSAGE_CHARS + 100, "length " + cut.length());
    assertTrue(cut.endsWith("(200000 chars; all of it in the body)"), cut);
  }

  @Test
  void headerMessage_neverSplitsASurrogatePair() {
    String text = "x".repeat(Wire.MAX_HEADER_MESSAGE_CHARS - 1) + "\uD83D\uDE00" + "tail";
    String cut = Wire.headerMessage(text);
    assertEquals(-1, cut.indexOf('\uD83D'), cut.substring(cut.length() - 60));
  }

  @Test
  void directReplyTo_onlyTheBrokersPseudoQueue() {
    assertTrue(Wire.isDirectReplyTo("amq.rabbitmq.reply-to"));
    assertTrue(Wire.isDirectReplyTo("amq.rabbitmq.reply-to.g1hkABFyYWJiaXRAbG9jYWxob3N0AAAD"));
    assertFalse(Wire.isDirectReplyTo("orders"));
    assertFalse(Wire.isDirectReplyTo("amq.rabbitmq.reply-toX"));
    assertFalse(Wire.isDirectReplyTo(""));
    assertFalse(Wire.isDirectReplyTo(null));
  }

  @Test
  void failure_wholeMessageFromTheBody_headerWhenBodyEmpty() {
    Map<String, Object> headers = Map.of(Wire.CODE, "JOB_FAILED", Wire.MESSAGE, "cut...");
    PoolException fromBody =
        Wire.failure(headers, "the whole story".getBytes(StandardCharsets.UTF_8), 7);
    assertEquals(FailureCode.JOB_FAILED, fromBody.code());
    assertEquals("the whole story", fromBody.getMessage());
    assertEquals("cut...", Wire.failure(headers, new byte[0], 7).getMessage());
    assertEquals(null, Wire.failure(Map.of(), new byte[0], 7));
    assertEquals(
        FailureCode.PROTOCOL_ERROR,
        Wire.failure(Map.of(Wire.CODE, "NO_SUCH_CODE"), new byte[0], 7).code());
  }
}
