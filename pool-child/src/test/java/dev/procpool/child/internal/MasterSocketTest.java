package dev.procpool.child.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child that arrives before the master's socket waits for it, for a bounded time. */
class MasterSocketTest {
  @TempDir Path dir;

  @Test
  void socketBoundAfterTheChildTriesFirst_connects() throws Exception {
    Path path = dir.resolve("s");
    CompletableFuture<SocketChannel> child =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return MasterSocket.connect(path.toString(), TimeUnit.SECONDS.toNanos(10));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(150); // the child has failed a few times by now: no file yet
    assertTrue(!child.isDone() && Files.notExists(path));
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (SocketChannel accepted = server.accept();
          SocketChannel connected = child.get(10, TimeUnit.SECONDS)) {
        connected.write(ByteBuffer.wrap(new byte[] {42}));
        ByteBuffer read = ByteBuffer.allocate(1);
        accepted.read(read);
        assertEquals(42, read.get(0));
      }
    }
  }

  @Test
  void noSocketWithinPatience_failsWithTheLastError() {
    Path path = dir.resolve("never");
    long start = System.nanoTime();
    MasterSocket.Unreachable e =
        assertThrows(
            MasterSocket.Unreachable.class,
            () -> MasterSocket.connect(path.toString(), TimeUnit.MILLISECONDS.toNanos(100)));
    assertInstanceOf(SocketException.class, e.getCause());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(e.getMessage().contains("No such file"), e.getMessage());
    assertTrue(tookMillis >= 100 && tookMillis < 10_000, "gave up after " + tookMillis + " ms");
  }
}
