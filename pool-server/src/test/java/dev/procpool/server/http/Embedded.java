package dev.procpool.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** EmbeddedChannels for the front end's handlers, as if bound to 127.0.0.1:8080. */
final class Embedded {
  static final int PORT = 8080;

  private Embedded() {}

  static EmbeddedChannel channel(ChannelHandler... handlers) {
    return new EmbeddedChannel(handlers) {
      @Override
      protected SocketAddress localAddress0() {
        return new InetSocketAddress("127.0.0.1", PORT);
      }
    };
  }

  /** The whole front end of one connection, without the codec: requests in, responses out. */
  static EmbeddedChannel frontEnd(FakeBackend backend, HttpSettings settings) {
    HttpMeters meters = new HttpMeters(null);
    return channel(
        new ReadGate(),
        new PipeliningGate(new AtomicBoolean(), meters),
        new HostOriginGate(settings.bind(), settings.allowedHosts(), settings.allowedOrigins()),
        new Router(
            new JobRoute(backend, settings, meters),
            new StatusRoute(backend, settings),
            new EventStreamRoute(backend, new AtomicInteger(), settings.maxStreams(), meters),
            settings.adminToken() == null ? null : new AdminRoute(backend, settings.adminToken())));
  }

  static FullHttpRequest request(HttpMethod method, String uri, String body) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, method, uri, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    request.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + PORT);
    request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
    return request;
  }

  static FullHttpRequest get(String uri) {
    return request(HttpMethod.GET, uri, "");
  }

  static FullHttpRequest post(String uri, String body) {
    return request(HttpMethod.POST, uri, body);
  }

  /** The next answer written, its body read and the message released. */
  static Answer answer(EmbeddedChannel channel) {
    FullHttpResponse response = channel.readOutbound();
    if (response == null) {
      return null;
    }
    try {
      return new Answer(
          response.status().code(),
          response.headers(),
          response.content().toString(StandardCharsets.UTF_8));
    } finally {
      response.release();
    }
  }

  record Answer(int status, io.netty.handler.codec.http.HttpHeaders headers, String body) {
    String header(CharSequence name) {
      return headers.get(name);
    }
  }
}
