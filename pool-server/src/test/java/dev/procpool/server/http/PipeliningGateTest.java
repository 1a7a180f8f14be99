package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PipeliningGateTest {
  private final HttpMeters meters = new HttpMeters(null);
  private final AtomicBoolean draining = new AtomicBoolean();
  private final List<FullHttpRequest> passed = new ArrayList<>();
  private final ReadGate readGate = new ReadGate();
  private final EmbeddedChannel channel =
      Embedded.channel(
          readGate,
          new PipeliningGate(draining, meters),
          new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              passed.add((FullHttpRequest) msg);
            }
          });

  @AfterEach
  void close() {
    passed.forEach(r -> r.release(r.refCnt()));
    channel.finishAndReleaseAll();
  }

  private static FullHttpResponse ok(String body) {
    return new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body.getBytes()));
  }

  @Test
  void secondRequest_waitsUntilFirstIsAnswered() {
    channel.writeInbound(Embedded.get("/a"), Embedded.get("/b"));
    assertEquals(1, passed.size());
    assertEquals(1, meters.held.get());
    channel.writeOutbound(ok("a"));
    assertEquals(2, passed.size());
    assertEquals("/b", passed.get(1).uri());
    assertEquals(0, meters.held.get());
    Embedded.Answer answer = Embedded.answer(channel);
    assertEquals("1", answer.header(HttpHeaderNames.CONTENT_LENGTH));
    assertEquals("a", answer.body());
  }

  @Test
  void heldRequests_atTheLimit_closeTheReadGate_untilOneIsServed() {
    for (int i = 0; i <= PipeliningGate.MAX_PIPELINED; i++) {
      channel.writeInbound(Embedded.get("/" + i));
    }
    assertEquals(1, passed.size());
    assertEquals(PipeliningGate.MAX_PIPELINED, meters.held.get());
    assertTrue(readGate.isClosed());
    assertFalse(channel.config().isAutoRead());
    channel.writeOutbound(ok("0"));
    assertFalse(readGate.isClosed());
    assertEquals(PipeliningGate.MAX_PIPELINED - 1, meters.held.get());
  }

  @Test
  void answerSayingClose_closesAfterIt_andReleasesHeldRequests() {
    channel.writeInbound(Embedded.get("/a"), Embedded.get("/b"));
    FullHttpResponse closing = HttpError.closing(ok("bye"));
    channel.writeOutbound(closing);
    assertFalse(channel.isOpen());
    assertEquals(0, meters.held.get());
    assertEquals(1, passed.size(), "the held request is dropped, not served");
    assertEquals("close", Embedded.answer(channel).header(HttpHeaderNames.CONNECTION));
  }

  @Test
  void draining_answersWithClose() {
    channel.writeInbound(Embedded.get("/a"));
    draining.set(true);
    channel.writeOutbound(ok("a"));
    assertEquals("close", Embedded.answer(channel).header(HttpHeaderNames.CONNECTION));
    assertFalse(channel.isOpen());
  }

  @Test
  void clientNotReading_nextRequestWaits_untilWritable() {
    channel.writeInbound(Embedded.get("/a"), Embedded.get("/b"));
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.runPendingTasks();
    channel.writeOutbound(ok("a"));
    assertEquals(1, passed.size(), "served nothing more while the client does not read");
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    channel.runPendingTasks();
    assertEquals(2, passed.size());
  }

  @Test
  void drain_closesAnIdleConnection_butNotABusyOne() {
    channel.writeInbound(Embedded.get("/a"));
    channel.pipeline().fireUserEventTriggered(PipeliningGate.DRAIN);
    assertTrue(channel.isOpen(), "a request in flight is answered first");
    channel.writeOutbound(ok("a"));
    channel.pipeline().fireUserEventTriggered(PipeliningGate.DRAIN);
    assertFalse(channel.isOpen());
  }

  @Test
  void streamHead_givesTheConnectionToTheStream_laterRequestsDropped() {
    channel.writeInbound(Embedded.get("/events"));
    channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    FullHttpRequest late = Embedded.get("/b");
    channel.writeInbound(late);
    assertEquals(1, passed.size());
    assertEquals(0, late.refCnt(), "a request on a stream is released unread");
    assertTrue(channel.isOpen());
    assertSame(DefaultHttpResponse.class, channel.readOutbound().getClass());
  }
}
