package dev.procpool.child.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procpool.child.ChildContext;
import dev.procpool.protocol.FailureCode;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.Shutdown;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child's loop over a real Unix-domain socket pair, with the fixture handlers from this
 * module's test class path: the test plays the master.
 */
@Timeout(30)
class JobLoopTest {
  private static final int MAX = 64 * 1024;
  private static final ChildContext CHILD =
      new ChildContext() {
        @Override
        public int childId() {
          return 1;
        }

        @Override
        public long pid() {
          return ProcessHandle.current().pid();
        }

        @Override
        public java.util.Optional<javax.sql.DataSource> dataSource() {
          return java.util.Optional.empty();
        }
      };

  @TempDir Path dir;
  private ServerSocketChannel server;
  private SocketChannel master;
  private CompletableFuture<Throwable> loopEnded;

  @BeforeEach
  void connect() throws Exception {
    Path socket = dir.resolve("s");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    SocketChannel child = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    master = server.accept();
    Handlers handlers = Handlers.load(getClass().getClassLoader());
    loopEnded = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try (child) {
                new JobLoop(child, handlers, CHILD, MAX).run();
                loopEnded.complete(null);
              } catch (Throwable t) {
                loopEnded.complete(t);
              }
            });
    thread.setDaemon(true);
    thread.start();
  }

  @AfterEach
  void close() throws Exception {
    master.close();
    server.close();
  }

  private JobReply call(long id, String type, byte[] payload) throws Exception {
    ToChild request =
        ToChild.newBuilder()
            .setJob(
                JobRequest.newBuilder()
                    .setJobId(id)
                    .setType(type)
                    .setPayload(ByteString.copyFrom(payload)))
            .build();
    Frames.write(master, request, MAX);
    ToMaster reply = Frames.read(master, ToMaster.parser(), MAX);
    assertTrue(reply.hasReply(), reply.toString());
    assertEquals(id, reply.getReply().getJobId());
    return reply.getReply();
  }

  @Test
  void echo_repliesOncePerRequest_inOrder() throws Exception {
    for (int i = 0; i < 100; i++) {
      assertEquals(
          ByteString.copyFromUtf8("m" + i), call(i, "echo", ("m" + i).getBytes()).getResult());
    }
  }

  @Test
  void handlerThrows_jobFailedReply_loopGoesOn() throws Exception {
    JobReply reply = call(1, "throw", "boom".getBytes());
    assertEquals(FailureCode.JOB_FAILED, reply.getError().getCode());
    assertEquals("java.lang.IllegalStateException", reply.getError().getErrorClass());
    assertEquals("boom", reply.getError().getMessage());
    assertTrue(reply.getError().getRemoteStack().contains("Throw.handle"));
    assertEquals(ByteString.copyFromUtf8("next"), call(2, "echo", "next".getBytes()).getResult());
  }

  @Test
  void unknownType_unknownJobTypeReply() throws Exception {
    JobReply reply = call(1, "nope", new byte[0]);
    assertEquals(FailureCode.UNKNOWN_JOB_TYPE, reply.getError().getCode());
    assertTrue(reply.getError().getMessage().contains("'nope'"));
  }

  @Test
  void resultTooBigForAFrame_jobFailedReplyInstead() throws Exception {
    JobReply reply = call(1, "bytes", Integer.toString(MAX).getBytes());
    assertEquals(FailureCode.JOB_FAILED, reply.getError().getCode());
    assertTrue(
        reply.getError().getMessage().contains("exceeds the maximum frame"),
        reply.getError().getMessage());
  }

  @Test
  void shutdown_endsLoopNormally() throws Exception {
    Frames.write(
        master, ToChild.newBuilder().setShutdown(Shutdown.getDefaultInstance()).build(), MAX);
    assertNull(loopEnded.get(10, TimeUnit.SECONDS));
  }

  @Test
  void masterCloses_loopEndsNormally() throws Exception {
    master.close();
    assertNull(loopEnded.get(10, TimeUnit.SECONDS));
  }

  @Test
  void garbageFromMaster_protocolError() throws Exception {
    master.write(java.nio.ByteBuffer.wrap(new byte[] {0x7f, 0, 0, 0}));
    Throwable ended = loopEnded.get(10, TimeUnit.SECONDS);
    assertInstanceOf(dev.procpool.protocol.FrameException.class, ended);
  }

  @Test
  void handlerError_isReportedThenFatal() throws Exception {
    JobReply reply = call(1, "oom-now", new byte[0]);
    assertEquals("java.lang.OutOfMemoryError", reply.getError().getErrorClass());
    assertTrue(reply.getChildExiting(), "an Error's reply must tell the master this child exits");
    assertInstanceOf(JobLoop.Fatal.class, loopEnded.get(10, TimeUnit.SECONDS));
  }

  @Test
  void ordinaryFailure_childStays() throws Exception {
    JobReply reply = call(1, "throw", new byte[0]);
    assertEquals(FailureCode.JOB_FAILED, reply.getError().getCode());
    assertFalse(reply.getChildExiting());
  }

  private static ToChild job(long id, String type, byte[] payload) {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType(type)
                .setPayload(ByteString.copyFrom(payload)))
        .build();
  }

  /** Frames of {@code messages}, back to back in one buffer: one write puts them all in hand. */
  private static java.nio.ByteBuffer together(ToChild... messages) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (ToChild m : messages) {
      Frames.write(java.nio.channels.Channels.newChannel(bytes), m, MAX);
    }
    return java.nio.ByteBuffer.wrap(bytes.toByteArray());
  }

  @Test
  void manyJobsInOneWrite_oneReplyEach_inOrder() throws Exception {
    ToChild[] jobs = new ToChild[200];
    for (int i = 0; i < jobs.length; i++) {
      jobs[i] = job(i + 1, "echo", ("m" + i).getBytes());
    }
    java.nio.ByteBuffer all = together(jobs);
    while (all.hasRemaining()) {
      master.write(all);
    }
    for (int i = 0; i < jobs.length; i++) {
      ToMaster reply = Frames.read(master, ToMaster.parser(), MAX);
      assertEquals(i + 1, reply.getReply().getJobId());
      assertEquals(ByteString.copyFromUtf8("m" + i), reply.getReply().getResult());
    }
  }

  @Test
  void everyReply_isWrittenBeforeTheNextJobStarts() throws Exception {
    try (java.net.ServerSocket gate =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      // Three echoes in hand, then a job that blocks until this test releases it: every echo's
      // reply must arrive while it blocks (a reply held back would wait for ever: the test would
      // time out). Were the child killed now, the master would know all three ended.
      java.nio.ByteBuffer all =
          together(
              job(1, "echo", new byte[0]),
              job(2, "echo", new byte[0]),
              job(3, "echo", new byte[0]),
              job(4, "rendezvous", Integer.toString(gate.getLocalPort()).getBytes()));
      while (all.hasRemaining()) {
        master.write(all);
      }
      for (long id = 1; id <= 3; id++) {
        assertEquals(id, Frames.read(master, ToMaster.parser(), MAX).getReply().getJobId());
      }
      try (java.net.Socket started = gate.accept()) {
        started.getOutputStream().write(7);
        assertEquals(4, Frames.read(master, ToMaster.parser(), MAX).getReply().getJobId());
      }
    }
  }

  @Test
  void shutdownInHand_everyReplyWrittenFirst() throws Exception {
    java.nio.ByteBuffer all =
        together(
            job(1, "echo", new byte[0]),
            job(2, "echo", new byte[0]),
            ToChild.newBuilder().setShutdown(Shutdown.getDefaultInstance()).build());
    while (all.hasRemaining()) {
      master.write(all);
    }
    assertEquals(1, Frames.read(master, ToMaster.parser(), MAX).getReply().getJobId());
    assertEquals(2, Frames.read(master, ToMaster.parser(), MAX).getReply().getJobId());
    assertNull(loopEnded.get(10, TimeUnit.SECONDS));
  }
}
