package dev.procpool.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses requests a browser was tricked into sending. DNS rebinding: a page on {@code
 * evil.example} points its name at 127.0.0.1 and reads our answers as same-origin, but its requests
 * carry {@code Host: evil.example}, which is not one of ours. A cross-site request: a page posts a
 * simple request (no preflight) to {@code localhost}; the browser names the page in {@code Origin},
 * which is not ours.
 *
 * <p>Allowed hosts: {@code localhost}, {@code 127.0.0.1}, {@code [::1]}, the bind address and the
 * address the connection came in on, each with no port or the port it came in on, plus the {@code
 * --allowed-host} entries ({@code name} for any port, {@code name:port}, or {@code *} to turn the
 * check off). A request without {@code Host} passes: browsers always send one. Allowed origins:
 * none, the same origin ({@code http} or {@code https} with the request's own, allowed, host), and
 * the {@code --allowed-origin} entries ({@code *} for any). The dashboard is same-origin.
 * Stateless: one instance serves every connection.
 */
@ChannelHandler.Sharable
final class HostOriginGate extends ChannelInboundHandlerAdapter {
  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  private final String bindName;
  private final List<String> allowedHosts;
  private final List<String> allowedOrigins;
  private final boolean anyHost;
  private final boolean anyOrigin;

  HostOriginGate(String bind, List<String> allowedHosts, List<String> allowedOrigins) {
    this.bindName = literal(bind);
    this.allowedHosts = lower(allowedHosts);
    this.allowedOrigins = lower(allowedOrigins).stream().map(HostOriginGate::noSlash).toList();
    this.anyHost = this.allowedHosts.contains("*");
    this.anyOrigin = this.allowedOrigins.contains("*");
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request) || !request.decoderResult().isSuccess()) {
      ctx.fireChannelRead(msg); // a malformed request is answered by the router
      return;
    }
    String host = request.headers().get(HttpHeaderNames.HOST);
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    HttpError refused = null;
    String why = null;
    if (host != null && !hostAllowed(host.trim().toLowerCase(Locale.ROOT), ctx)) {
      refused = HttpError.HOST_NOT_ALLOWED;
      why = "Host '" + host + "' is not this server's; allow it with --allowed-host";
    } else if (origin != null
        && !originAllowed(noSlash(origin.trim().toLowerCase(Locale.ROOT)), host)) {
      refused = HttpError.ORIGIN_NOT_ALLOWED;
      why = "requests from pages of " + origin + " are refused; allow them with --allowed-origin";
    }
    if (refused == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    request.release();
    // The gate in front sees this answer as the request's own, and closes the connection after it.
    ctx.writeAndFlush(HttpError.closing(refused.response(why)));
  }

  boolean hostAllowed(String host, ChannelHandlerContext ctx) {
    if (anyHost || allowedHosts.contains(host)) {
      return true;
    }
    int colon = host.lastIndexOf(':');
    String name = host;
    String port = null;
    if (colon > host.lastIndexOf(']')) {
      name = host.substring(0, colon);
      port = host.substring(colon + 1);
    }
    SocketAddress local = ctx.channel().localAddress();
    String localPort = null;
    String localName = null;
    if (local instanceof InetSocketAddress address) {
      localPort = Integer.toString(address.getPort());
      localName = address.getAddress() == null ? null : literal(address.getAddress());
    }
    if (allowedHosts.contains(name)) {
      return true; // an --allowed-host without a port: any port (behind a proxy)
    }
    if (port != null && !port.equals(localPort)) {
      return false; // each default name only with the port the connection came in on
    }
    return LOOPBACK_NAMES.contains(name) || name.equals(bindName) || name.equals(localName);
  }

  boolean originAllowed(String origin, String host) {
    if (anyOrigin || allowedOrigins.contains(origin)) {
      return true;
    }
    if (host == null) {
      return false;
    }
    String self = host.trim().toLowerCase(Locale.ROOT);
    return origin.equals("http://" + self) || origin.equals("https://" + self);
  }

  private static String literal(String bind) {
    String name = bind.toLowerCase(Locale.ROOT);
    return name.contains(":") && !name.startsWith("[") ? "[" + name + "]" : name;
  }

  private static String literal(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    return literal(zone < 0 ? text : text.substring(0, zone));
  }

  private static List<String> lower(List<String> entries) {
    return entries.stream().map(e -> e.trim().toLowerCase(Locale.ROOT)).toList();
  }

  private static String noSlash(String origin) {
    return origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
  }
}
