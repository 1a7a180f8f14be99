package dev.procpool.child.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.procpool.child.ChildContext;
import dev.procpool.child.JobContext;
import dev.procpool.child.JobHandler;
import dev.procpool.protocol.FailureCode;
import dev.procpool.protocol.FrameReader;
import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;
import dev.procpool.protocol.ToMaster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * The child's one thread of work: read a request, run its handler, write exactly one reply, repeat.
 * One job runs at a time, always. The reader takes everything the socket holds in one read; jobs in
 * hand are run one after the other, and each job's reply is written before the next job starts: if
 * the child is killed, the master has heard of every job it finished, so the one it does not know
 * the end of is the only one that may have run (a held-back reply once saved wake-ups here, at the
 * price of a job that ran being sent again after a SIGKILL).
 *
 * <p>With pipelining, a job may wait in the socket while another runs; the master can ask the
 * watchdog to skip it before it starts ({@link SkipBook}).
 *
 * <p>Error ladder: a handler's {@link Exception} becomes a {@code JOB_FAILED} reply and the loop
 * goes on; an {@link Error} gets a best-effort reply and then {@link Fatal} ends the child, since a
 * JVM that ran out of memory cannot be trusted with the next job. The loop returns normally on end
 * of stream or a {@code Shutdown} message.
 */
final class JobLoop {
  /** Remote stack traces are capped so a deep recursion cannot make a reply huge. */
  static final int MAX_STACK_CHARS = 16 * 1024;

  private final FrameReader reader;
  private final ReplyWriter replies;

  private final Handlers handlers;
  private final ChildContext child;
  private final int maxFrameBytes;
  private final MemoryGauge memory = new MemoryGauge();
  private final HandlerCall call = HandlerCall.load();
  private JobCost cost;

  /** The job the loop runs now, 0 between jobs: for the watchdog's stack replies. */
  private volatile long running;

  /** Jobs sent ahead that the master asked, through the watchdog, not to run. */
  private final SkipBook skips = new SkipBook();

  JobLoop(ByteChannel channel, Handlers handlers, ChildContext child, int maxFrameBytes) {
    this.replies = new ReplyWriter(channel, maxFrameBytes);
    this.reader = new FrameReader(channel, maxFrameBytes);
    this.handlers = handlers;
    this.child = child;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** The job running now, 0 between jobs; any thread. */
  long runningJob() {
    return running;
  }

  /** Where the watchdog records the master's skip requests. */
  SkipBook skips() {
    return skips;
  }

  /** Runs until end of stream or shutdown. Throws {@link Fatal} after an {@link Error}. */
  void run() throws IOException {
    cost = new JobCost();
    while (true) {
      ToChild message = next();
      if (message == null || message.hasShutdown()) {
        replies.flush();
        return;
      }
      if (!message.hasJob()) {
        throw new dev.procpool.protocol.FrameException(
            "unexpected message " + message.getKindCase());
      }
      JobRequest request = message.getJob();
      if (!skips.start(request.getJobId())) {
        continue; // sent ahead, then skipped: the master has its answer and expects no reply
      }
      JobReply.Builder reply;
      Error fatal = null;
      long started = System.nanoTime();
      running = request.getJobId();
      try {
        reply = run(request);
      } catch (Error e) {
        fatal = e;
        // The master must not send this child another job: it is about to halt.
        reply = failure(request.getJobId(), FailureCode.JOB_FAILED, e).setChildExiting(true);
      } finally {
        running = 0;
      }
      long ended = System.nanoTime();
      cost.charge(reply, ended - started);
      // Memory after the job: the master recycles children that grow past its limits.
      add(
          request.getJobId(),
          reply.setHeapUsedBytes(memory.heapUsedBytes()).setRssBytes(memory.rssBytes()).build());
      if (fatal != null) {
        replies.flush();
        throw new Fatal(fatal);
      }
      replies.flush();
    }
  }

  /** The next message, from the reader's buffer or, blocking, from the socket. */
  private ToChild next() throws IOException {
    return reader.read(ToChild.parser());
  }

  private JobReply.Builder run(JobRequest request) {
    JobHandler handler = handlers.get(request.getType());
    if (handler == null) {
      return JobReply.newBuilder()
          .setJobId(request.getJobId())
          .setError(
              JobError.newBuilder()
                  .setCode(FailureCode.UNKNOWN_JOB_TYPE)
                  .setMessage(
                      "no handler for job type '"
                          + request.getType()
                          + "' in child "
                          + child.childId()
                          + "; types served: "
                          + handlers.types()));
    }
    try {
      byte[] result =
          call.handle(handler, request.getPayload().toByteArray(), new Job(request, child));
      ByteString bytes =
          result == null ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(result);
      return JobReply.newBuilder().setJobId(request.getJobId()).setResult(bytes);
    } catch (Exception e) {
      return failure(request.getJobId(), FailureCode.JOB_FAILED, e);
    }
  }

  private void add(long jobId, JobReply reply) throws IOException {
    ToMaster envelope = ToMaster.newBuilder().setReply(reply).build();
    if (envelope.getSerializedSize() > maxFrameBytes) {
      // The master must still get exactly one reply: say why the real one cannot be sent.
      envelope =
          ToMaster.newBuilder()
              .setReply(
                  failure(
                          jobId,
                          FailureCode.JOB_FAILED,
                          new IllegalStateException(
                              "reply of "
                                  + envelope.getSerializedSize()
                                  + " bytes exceeds the maximum frame of "
                                  + maxFrameBytes
                                  + " bytes"))
                      .build())
              .build();
    }
    replies.add(envelope);
  }

  static JobReply.Builder failure(long jobId, FailureCode code, Throwable error) {
    StringWriter stack = new StringWriter();
    error.printStackTrace(new PrintWriter(stack));
    String trace = stack.toString();
    if (trace.length() > MAX_STACK_CHARS) {
      trace = trace.substring(0, MAX_STACK_CHARS) + "\n\t... (truncated)";
    }
    JobError.Builder failure =
        JobError.newBuilder()
            .setCode(code)
            .setErrorClass(error.getClass().getName())
            .setRemoteStack(trace);
    if (error.getMessage() != null) {
      failure.setMessage(error.getMessage());
    }
    return JobReply.newBuilder().setJobId(jobId).setError(failure);
  }

  /** Thrown after a handler's {@link Error} has been reported: the child must exit. */
  static final class Fatal extends RuntimeException {
    Fatal(Error cause) {
      super(cause);
    }
  }

  /** The {@link JobContext} of one request. */
  private static final class Job implements JobContext {
    private final JobRequest request;
    private final ChildContext child;

    Job(JobRequest request, ChildContext child) {
      this.request = request;
      this.child = child;
    }

    @Override
    public long jobId() {
      return request.getJobId();
    }

    @Override
    public String type() {
      return request.getType();
    }

    @Override
    public Optional<Duration> timeout() {
      long millis = request.getTimeoutMillis();
      return millis > 0 ? Optional.of(Duration.ofMillis(millis)) : Optional.empty();
    }

    @Override
    public Optional<java.time.Instant> deadline() {
      long epochMillis = request.getDeadlineEpochMillis();
      return epochMillis > 0
          ? Optional.of(java.time.Instant.ofEpochMilli(epochMillis))
          : Optional.empty();
    }

    @Override
    public String traceparent() {
      return request.getTraceparent();
    }

    @Override
    public String tracestate() {
      return request.getTracestate();
    }

    @Override
    public ChildContext child() {
      return child;
    }
  }
}
