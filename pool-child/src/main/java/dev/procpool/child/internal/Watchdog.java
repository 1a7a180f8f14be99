package dev.procpool.child.internal;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.FrameReader;
import dev.procpool.protocol.Frames;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.ProtocolVersion;
import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.StackReply;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The child's control channel: a second connection to the master, served by a small daemon thread
 * that never runs jobs, so it answers while a job is stuck. It answers stack requests with the job
 * thread's stack, and the master's requests to skip a job sent ahead (pipelining). Its shutdown
 * hook writes one line to the child's real standard error when the JVM exits by itself while a job
 * runs (a handler's {@code System.exit}), so the master's crash report, which reads the child's
 * last lines of output, can say so.
 *
 * <p>Best effort throughout: if the control channel cannot be opened or breaks, the child works on
 * and the master simply gets no stacks from it.
 */
final class Watchdog implements Runnable {
  /** A stack in a reply is capped, like a remote stack trace. */
  static final int MAX_STACK_CHARS = 16 * 1024;

  private final SocketChannel channel;
  private final int maxFrameBytes;
  private final Thread jobThread;
  private final LongSupplier runningJob;
  private final SkipBook skips;
  private final Object writeLock = new Object();
  private volatile boolean quiet;

  private Watchdog(
      SocketChannel channel,
      int maxFrameBytes,
      Thread jobThread,
      LongSupplier runningJob,
      SkipBook skips) {
    this.channel = channel;
    this.skips = skips;
    this.maxFrameBytes = maxFrameBytes;
    this.jobThread = jobThread;
    this.runningJob = runningJob;
  }

  /**
   * Connects, says hello as {@code control}, and starts the thread and the shutdown hook; or null.
   */
  static Watchdog start(
      Path socket,
      int childId,
      long pid,
      byte[] token,
      int maxFrameBytes,
      Thread jobThread,
      LongSupplier runningJob,
      SkipBook skips) {
    try {
      SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      Hello hello =
          Hello.newBuilder()
              .setProtocolVersion(ProtocolVersion.CURRENT)
              .setChildId(childId)
              .setPid(pid)
              .setToken(ByteString.copyFrom(token))
              .setControl(true)
              .build();
      Frames.write(channel, ToMaster.newBuilder().setHello(hello).build(), maxFrameBytes);
      Watchdog watchdog = new Watchdog(channel, maxFrameBytes, jobThread, runningJob, skips);
      Thread thread = new Thread(watchdog, "procpool-watchdog");
      thread.setDaemon(true);
      thread.start();
      Runtime.getRuntime()
          .addShutdownHook(new Thread(watchdog::onShutdown, "procpool-exit-notice"));
      return watchdog;
    } catch (IOException | RuntimeException e) {
      System.err.println(
          "procpool child " + childId + ": no control channel (" + e + "); no stacks on timeout");
      return null;
    }
  }

  /** The child leaves on purpose (end of stream, shutdown, fatal error): no exit notice. */
  void quiet() {
    quiet = true;
  }

  @Override
  public void run() {
    FrameReader reader = new FrameReader(channel, maxFrameBytes);
    try {
      while (true) {
        ToChild message = reader.read(ToChild.parser());
        if (message == null) {
          return;
        }
        if (message.hasStackRequest()) {
          long asked = message.getStackRequest().getJobId();
          send(
              ToMaster.newBuilder()
                  .setStack(
                      StackReply.newBuilder()
                          .setJobId(asked)
                          .setRunningJobId(runningJob.getAsLong())
                          .setThreadStack(stackOf(jobThread)))
                  .build());
        } else if (message.hasSkip()) {
          long jobId = message.getSkip().getJobId();
          skips.answer(
              jobId,
              skipped ->
                  send(
                      ToMaster.newBuilder()
                          .setSkipAnswer(
                              SkipAnswer.newBuilder().setJobId(jobId).setSkipped(skipped))
                          .build()));
        }
      }
    } catch (IOException | RuntimeException e) {
      // The master went away or closed the channel: nothing more to answer.
    }
  }

  /** The line the master looks for in a dead child's output. */
  static final String EXIT_MARKER = "procpool child: the JVM is exiting while job ";

  /** In a shutdown hook: the JVM exits while a job runs and nobody asked it to (System.exit). */
  private void onShutdown() {
    long job = runningJob.getAsLong();
    if (!quiet && job != 0) {
      // The real stderr: System.err may be swapped for the job's capture.
      java.io.PrintStream err =
          new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
      err.println(EXIT_MARKER + job + " runs (System.exit from its handler, or a signal)");
    }
  }

  private void send(ToMaster message) throws IOException {
    synchronized (writeLock) {
      Frames.write(channel, message, maxFrameBytes);
    }
  }

  static String stackOf(Thread thread) {
    StringBuilder out =
        new StringBuilder("\"")
            .append(thread.getName())
            .append("\" ")
            .append(thread.getState())
            .append('\n');
    for (StackTraceElement frame : thread.getStackTrace()) {
      out.append("\tat ").append(frame).append('\n');
      if (out.length() > MAX_STACK_CHARS) {
        out.append("\t... (truncated)\n");
        break;
      }
    }
    return out.toString();
  }
}
