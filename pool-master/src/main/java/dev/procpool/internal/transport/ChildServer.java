package dev.procpool.internal.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The Unix-domain socket children connect to, in a fresh private (0700) temporary directory that it
 * owns and removes on close. Tracks accepted connections, so {@link #close()} closes them
 * explicitly: closing the server channel alone leaves accepted NIO domain channels open.
 */
public final class ChildServer implements AutoCloseable {
  private final Path directory;
  private final Path socketPath;
  private final Channel serverChannel;
  private final ChannelGroup connections;

  private ChildServer(
      Path directory, Path socketPath, Channel serverChannel, ChannelGroup connections) {
    this.directory = directory;
    this.socketPath = socketPath;
    this.serverChannel = serverChannel;
    this.connections = connections;
  }

  /**
   * A socket path in a fresh private directory, not yet bound: the children's command line names it
   * before the server exists.
   */
  public static Path newSocketPath() throws IOException {
    // Short path on purpose: a socket path must fit in sun_path (108 bytes on Linux).
    Path directory =
        Files.createTempDirectory(
            "procpool-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return directory.resolve("s");
  }

  /** Removes the directory of a socket path that was never bound. */
  public static void discard(Path socketPath) throws IOException {
    Files.deleteIfExists(socketPath);
    Files.deleteIfExists(socketPath.getParent());
  }

  /**
   * Binds {@code socketPath} (from {@link #newSocketPath}); blocks the calling thread, which must
   * not be an event loop.
   */
  public static ChildServer bind(
      EventLoopGroup group, Path socketPath, ChannelHandler childInitializer) throws IOException {
    Path directory = socketPath.getParent();
    ChannelGroup connections = new DefaultChannelGroup(group.next());
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerDomainSocketChannel.class)
              // A failed write (the child died) must not close the channel before what the child
              // wrote first is read: the pool decides its loss on that (Roster.onExit). Reading
              // to the end of stream closes it.
              .childOption(io.netty.channel.ChannelOption.AUTO_CLOSE, false)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      connections.add(ch);
                      ch.pipeline().addLast(childInitializer);
                    }
                  })
              .bind(UnixDomainSocketAddress.of(socketPath))
              .syncUninterruptibly()
              .channel();
      return new ChildServer(directory, socketPath, server, connections);
    } catch (RuntimeException e) {
      Files.deleteIfExists(socketPath);
      Files.deleteIfExists(directory);
      throw e;
    }
  }

  public Path socketPath() {
    return socketPath;
  }

  /** Closes the server and every connection and removes the directory; blocks briefly. */
  @Override
  public void close() throws IOException {
    serverChannel.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
    Files.deleteIfExists(socketPath);
    Files.deleteIfExists(directory);
  }
}
