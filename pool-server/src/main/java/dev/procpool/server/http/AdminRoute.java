package dev.procpool.server.http;

import dev.procpool.ProcessPool;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code POST /admin/restart} (rolls the children) and {@code POST /admin/children} (body: the new
 * size, 1 to {@link #MAX_CHILDREN}); the bearer token is required first, compared in constant time.
 * Stateless; present only when the server has an admin token.
 */
final class AdminRoute implements Route {
  /**
   * The most children a resize may ask for: each is a JVM, and a size the machine cannot hold would
   * only spin in spawn failures. Documented in docs/security.md.
   */
  static final int MAX_CHILDREN = 256;

  private final Backend backend;
  private final byte[] token;

  AdminRoute(Backend backend, String token) {
    this.backend = backend;
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void serve(ChannelHandlerContext ctx, FullHttpRequest request, String action) {
    String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
    byte[] presented =
        auth.startsWith("Bearer ")
            ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    if (!MessageDigest.isEqual(presented, token)) {
      FullHttpResponse response =
          HttpError.UNAUTHORIZED.response(
              "admin routes need the admin token as 'Authorization: Bearer <token>'");
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      Route.answer(ctx, request, response);
      return;
    }
    if (!request.method().equals(HttpMethod.POST)) {
      FullHttpResponse response = HttpError.METHOD_NOT_ALLOWED.response("admin actions are POSTed");
      response.headers().set(HttpHeaderNames.ALLOW, "POST");
      Route.answer(ctx, request, response);
      return;
    }
    Function<ProcessPool, CompletableFuture<Void>> act;
    String what;
    if (action.equals("restart")) {
      act = ProcessPool::restartChildren;
      what = "restarted";
    } else if (action.equals("children")) {
      int size = size(request.content().toString(StandardCharsets.UTF_8).trim());
      if (size < 1) {
        Route.answer(
            ctx,
            request,
            HttpError.INVALID_REQUEST.response(
                "the body must be the number of children, 1 to " + MAX_CHILDREN));
        return;
      }
      act = pool -> pool.resize(size);
      what = "resized";
    } else {
      Route.answer(ctx, request, HttpError.NOT_FOUND.response("no admin action " + action));
      return;
    }
    Optional<ProcessPool> pool = backend.pool();
    if (pool.isEmpty()) {
      Route.answer(
          ctx,
          request,
          HttpError.NOT_FOUND.response("this server has no local pool to steer (role front)"));
      return;
    }
    act.apply(pool.get())
        .thenCompose(v -> backend.status())
        .whenComplete(
            (status, failure) ->
                Route.answer(
                    ctx,
                    request,
                    failure != null
                        ? HttpError.ADMIN_FAILED.response(
                            String.valueOf(Responses.unwrap(failure).getMessage()))
                        : Responses.json(
                            HttpResponseStatus.OK,
                            Json.write(Json.object("status", what, "pool", status)))));
  }

  /** The size in the body, or -1 when it is not a number from 1 to {@link #MAX_CHILDREN}. */
  private static int size(String body) {
    try {
      int size = Integer.parseInt(body);
      return size >= 1 && size <= MAX_CHILDREN ? size : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
