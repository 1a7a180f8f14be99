package dev.procpool;

import static dev.procpool.testing.Outcomes.failure;
import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.Rendezvous;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad bytes on the IPC socket: from a child's own job (a buggy native library) and from hostile
 * local processes that connect to the socket. The offender goes; the master and the other children
 * carry on.
 */
class ProtocolFaultsIT {
  /** Lets the garbage fixture wrap its raw socket descriptor. */
  private static final String OPEN_IO = "--add-opens=java.base/java.io=ALL-UNNAMED";

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @ParameterizedTest
  @ValueSource(strings = {"unparsable", "huge", "wrong-job", "hello"})
  void childWritesGarbage_protocolError_childReplaced_othersUnaffected(String mode)
      throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(2).childJvmOptions(OPEN_IO).start();
        Rendezvous rendezvous = new Rendezvous()) {
      CompletableFuture<byte[]> bystander = pool.submit(Job.of("rendezvous", rendezvous.payload()));
      long bystanderPid = rendezvous.awaitStart();
      PoolException e =
          failure(pool.submit(Job.of("garbage", utf8(mode))), FailureCode.PROTOCOL_ERROR);
      assertTrue(e.getMessage().contains("child"), e.getMessage());
      rendezvous.releaseAll(5);
      assertEquals("5", text(bystander), "the other child's job finished normally");
      assertTrue(
          ProcessHandle.of(bystanderPid).map(ProcessHandle::isAlive).orElse(false),
          "the other child lives on");
      for (int i = 0; i < 10; i++) {
        assertEquals("ok" + i, text(pool.submit(Job.of("echo", utf8("ok" + i)))));
      }
    }
  }

  /** The master's socket, as its children are told on their command line. */
  private static Path socketOf(ProcessPool pool) {
    for (ProcessHandle child : ProcessHandle.current().children().toList()) {
      String[] args;
      try {
        // /proc has the real argv; ProcessHandle.Info may leave it out.
        args =
            new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(child.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8)
                .split("\0");
      } catch (java.io.IOException e) {
        continue;
      }
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals("dev.procpool.child.internal.ChildMain")) {
          return Path.of(args[i + 1]);
        }
      }
    }
    throw new AssertionError("no child found for " + pool.config().name());
  }

  /**
   * Sends bytes from a stranger's connection; returns true if the master closed it without sending
   * a byte.
   */
  private static boolean droppedWithoutAJob(Path socket, byte[] bytes) throws Exception {
    try (SocketChannel stranger = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      if (bytes.length > 0) {
        stranger.write(ByteBuffer.wrap(bytes));
      }
      InputStream in = Channels.newInputStream(stranger);
      CompletableFuture<Integer> firstByte =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return in.read();
                } catch (java.io.IOException e) {
                  return -1;
                }
              });
      return firstByte.get(20, TimeUnit.SECONDS) == -1;
    }
  }

  private static byte[] helloFrame(int childId, byte[] token) {
    byte[] body =
        dev.procpool.protocol.ToMaster.newBuilder()
            .setHello(
                dev.procpool.protocol.Hello.newBuilder()
                    .setProtocolVersion(dev.procpool.protocol.ProtocolVersion.CURRENT)
                    .setChildId(childId)
                    .setPid(ProcessHandle.current().pid())
                    .setToken(com.google.protobuf.ByteString.copyFrom(token)))
            .build()
            .toByteArray();
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }

  @Test
  void strangersOnTheSocket_droppedWithoutAJob_poolUnaffected() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).startTimeout(Duration.ofSeconds(2)).start()) {
      Path socket = socketOf(pool);
      String pid = text(pool.submit(Job.of("pid", new byte[0])));
      assertTrue(
          droppedWithoutAJob(socket, helloFrame(1, new byte[32])), "real child id, wrong token");
      assertTrue(droppedWithoutAJob(socket, helloFrame(99, new byte[32])), "unknown child id");
      assertTrue(
          droppedWithoutAJob(socket, new byte[] {0x7f, -1, -1, -1, 1, 2, 3}), "huge length prefix");
      assertTrue(
          droppedWithoutAJob(socket, new byte[] {0, 0, 0, 3, -1, -1, -1}),
          "unparsable first frame");
      byte[] reply =
          dev.procpool.protocol.ToMaster.newBuilder()
              .setReply(dev.procpool.protocol.JobReply.newBuilder().setJobId(1))
              .build()
              .toByteArray();
      assertTrue(
          droppedWithoutAJob(
              socket,
              ByteBuffer.allocate(4 + reply.length).putInt(reply.length).put(reply).array()),
          "a reply before any hello");
      assertTrue(
          droppedWithoutAJob(socket, new byte[0]), "silent: dropped after the start timeout");
      assertEquals(
          pid, text(pool.submit(Job.of("pid", new byte[0]))), "the real child never noticed");
    }
  }

  /**
   * A silent connection is dropped within seconds, not after the child start timeout (30 s here).
   */
  @Test
  void silentConnection_droppedWithinFiveSeconds_evenWithALongStartTimeout() throws Exception {
    try (ProcessPool pool =
        ProcessPool.builder().children(1).startTimeout(Duration.ofSeconds(30)).start()) {
      try (SocketChannel stranger =
          SocketChannel.open(UnixDomainSocketAddress.of(socketOf(pool)))) {
        InputStream in = Channels.newInputStream(stranger);
        CompletableFuture<Integer> firstByte =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return in.read();
                  } catch (java.io.IOException e) {
                    return -1;
                  }
                });
        assertEquals(-1, firstByte.get(5, TimeUnit.SECONDS), "dropped, and sent nothing");
      }
      assertEquals("ok", text(pool.submit(Job.of("echo", "ok".getBytes()))));
    }
  }

  @Test
  void socketDirectory_privateWhileOpen_removedOnClose() throws Exception {
    Path socket;
    try (ProcessPool pool = ProcessPool.builder().children(1).start()) {
      socket = socketOf(pool);
      assertEquals(
          "rwx------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    }
    assertFalse(Files.exists(socket.getParent()), "socket directory removed");
  }
}
