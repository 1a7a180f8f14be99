package dev.procpool.internal.engine;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.FailureCode;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.ProtocolVersion;
import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.ToChild;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One seeded run of the engine on a {@link SimLoop} with fake children, driven by random events:
 * submit, cancel, replies, handler errors, a child that says it exits, crashes, hangs and timeouts,
 * slow starts, failed launches, resize, rolling restart, memory recycling, broadcast, strangers on
 * the socket, and at the end a drain and close. Half the seeds pipeline: a fake child then holds a
 * job sent ahead, and its control connection answers skip requests at random moments, before or
 * after the job's turn comes, as the real child's watchdog does on its own connection. {@link
 * #check()} asserts the invariants after every step; {@link #run} ends with the closing ones. A
 * failure names its seed and step.
 */
final class Simulation {
  static final int CAPACITY = 6;
  static final int MAX_CHILDREN = 4;
  static final long TIMEOUT_MILLIS = 2_000;
  static final long HEAP_LIMIT = 1_000_000;

  private final long seed;
  private final Random random;
  private final SimLoop loop = new SimLoop();
  private final Engine engine;
  private final List<FakeChild> children = new ArrayList<>();
  private final List<SimJob> jobs = new ArrayList<>();
  private final Set<Long> firstStarts = new HashSet<>();
  private final boolean dynamic;

  /** Busy children are sent one job ahead, which they may be told to skip. */
  private final boolean pipelining;

  /** How many times a fake child started each job; jobs written to a closed link never arrive. */
  private final java.util.Map<Long, Integer> starts = new java.util.HashMap<>();

  /** Close with work still queued and running, as at a drain deadline. */
  private final boolean abrupt;

  private long nextJobId = 1;
  private long lastFirstStart;
  private long nextPid = 10_000;
  private int step;
  private boolean healing;
  private boolean stopping;

  Simulation(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    this.dynamic = random.nextBoolean();
    this.abrupt = random.nextInt(4) == 0;
    this.pipelining = random.nextBoolean();
    int children = 1 + random.nextInt(3);
    EngineSettings settings =
        EngineSettings.builder()
            .poolName("sim")
            .children(children)
            .maxChildren(dynamic ? MAX_CHILDREN : children)
            .childIdleTimeoutNanos(TimeUnit.MILLISECONDS.toNanos(300))
            .maxJobsPerChild(random.nextInt(3) == 0 ? 3 : 0)
            .startTimeoutNanos(TimeUnit.SECONDS.toNanos(5))
            .spawnFailureLimit(3)
            .recycleAboveHeapBytes(HEAP_LIMIT)
            .retryableJobTypes(Set.of("retry"))
            .maxAttempts(3)
            .slowJobThresholdNanos(random.nextBoolean() ? TimeUnit.MILLISECONDS.toNanos(500) : 0)
            .pipelining(pipelining)
            .build();
    Failure.Factory failures =
        (code, jobId, message, remoteClass, remoteStack) -> new SimFailure(code, message);
    this.engine =
        new Engine(
            settings,
            loop,
            this::launch,
            new Admission(CAPACITY),
            Runnable::run,
            PoolMetrics.NOOP,
            failures,
            new Random(seed ^ 0x5DEECE66DL));
  }

  /** The exception a failed future carries in the simulation. */
  static final class SimFailure extends RuntimeException {
    final Failure code;

    SimFailure(Failure code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /**
   * A future that counts the engine's attempts to complete it, and the user's cancel apart: a
   * cancel may race a result already on its way, and then the engine's attempt is a harmless no-op,
   * but the engine must never try twice. Its cancel tells the engine, as the pool's does.
   */
  static final class CountingFuture extends CompletableFuture<byte[]> {
    int attempts;
    boolean cancelledByUser;
    JobFuture.CancelHook onCancel;

    void onCancel(JobFuture.CancelHook hook) {
      onCancel = hook;
    }

    @Override
    public boolean complete(byte[] value) {
      attempts++;
      return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
      attempts++;
      return super.completeExceptionally(failure);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        cancelledByUser = true;
        if (onCancel != null) {
          onCancel.cancelled(mayInterruptIfRunning);
        }
      }
      return cancelled;
    }
  }

  private record SimJob(long id, boolean pinned, CountingFuture future, PendingJob<byte[]> job) {}

  void run(int steps) {
    try {
      loop.execute(engine::start);
      loop.runReady();
      for (step = 0; step < steps; step++) {
        // Sometimes several things happen before the loop runs: a child dies while a job for it is
        // already on its way, a cancel races a reply.
        int actions = random.nextInt(10) < 3 ? 2 + random.nextInt(3) : 1;
        for (int i = 0; i < actions; i++) {
          randomStep();
        }
        loop.runReady();
        check();
      }
      if (abrupt) {
        closeAbruptly();
      } else {
        heal();
        close();
      }
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(
          "simulation seed "
              + seed
              + " failed at step "
              + step
              + " (replay: -Dprocpool.sim.seed="
              + seed
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private void randomStep() {
    int roll = random.nextInt(1000);
    if (roll < 250) {
      submit(random.nextInt(5) == 0 ? "retry" : "work");
    } else if (roll < 600) {
      progressSomeChild();
    } else if (roll < 680) {
      cancelSomeJob();
    } else if (roll < 900) {
      int kind = random.nextInt(100);
      loop.advance(
          kind < 70
              ? random.nextInt(5_000_000)
              : kind < 95
                  ? TimeUnit.MILLISECONDS.toNanos(random.nextInt(500))
                  : TimeUnit.MILLISECONDS.toNanos(random.nextInt(20_000)));
    } else if (roll < 915) {
      engine.resize(1 + random.nextInt(MAX_CHILDREN)).exceptionally(e -> null);
    } else if (roll < 925) {
      engine.restartAll().exceptionally(e -> null);
    } else if (roll < 935) {
      broadcast();
    } else if (roll < 945) {
      stranger();
    } else {
      crashSomeChild();
    }
  }

  // ---- jobs ----

  private void submit(String type) {
    CountingFuture future = new CountingFuture();
    long id = nextJobId++;
    PendingJob<byte[]> job =
        new PendingJob<>(
            id,
            type,
            ByteString.copyFromUtf8("job " + id),
            TIMEOUT_MILLIS,
            ByteString::toByteArray,
            future,
            engine.jobContext());
    if (random.nextInt(5) == 0) {
      // A caller's deadline, sometimes already gone by the time the job reaches the loop.
      long left = TimeUnit.MILLISECONDS.toNanos(random.nextInt(3_000));
      job.deadline(loop.nanoTime() + left, 1);
    }
    jobs.add(new SimJob(id, false, future, job));
    if (!engine.admission().admit()) {
      future.completeExceptionally(new SimFailure(Failure.QUEUE_FULL, "queue full"));
      return;
    }
    future.onCancel(interrupt -> loop.execute(() -> engine.cancel(job, interrupt)));
    loop.execute(() -> engine.enqueue(job));
  }

  private void broadcast() {
    for (ChildSlot child : engine.readyChildren()) {
      CountingFuture future = new CountingFuture();
      long id = nextJobId++;
      PendingJob<byte[]> job =
          new PendingJob<>(
              id,
              "broadcast",
              ByteString.EMPTY,
              TIMEOUT_MILLIS,
              ByteString::toByteArray,
              future,
              engine.jobContext());
      jobs.add(new SimJob(id, true, future, job));
      engine.admission().admitUnbounded();
      engine.pin(child, job);
    }
  }

  private void cancelSomeJob() {
    List<SimJob> open = new ArrayList<>();
    for (SimJob job : jobs) {
      if (!job.future().isDone()) {
        open.add(job);
      }
    }
    if (!open.isEmpty()) {
      open.get(random.nextInt(open.size())).future().cancel(random.nextBoolean());
    }
  }

  // ---- children ----

  private void launch(int childId, byte[] token, ChildFactory.Events events) {
    if (stopping) {
      throw new AssertionError("child " + childId + " was started after close");
    }
    children.add(new FakeChild(childId, token, events, nextPid++));
  }

  private void progressSomeChild() {
    List<FakeChild> active = active();
    if (!active.isEmpty()) {
      active.get(random.nextInt(active.size())).progress(healing ? 0 : random.nextInt(100));
    }
  }

  private void crashSomeChild() {
    List<FakeChild> active = active();
    if (!active.isEmpty()) {
      FakeChild child = active.get(random.nextInt(active.size()));
      if (child.started) {
        child.exit(random.nextBoolean() ? 1 : 137);
      }
    }
  }

  private List<FakeChild> active() {
    List<FakeChild> active = new ArrayList<>();
    for (FakeChild child : children) {
      if (!child.exited) {
        active.add(child);
      }
    }
    return active;
  }

  /** A local process that connects and claims to be a child, without the token. */
  private void stranger() {
    Hello hello =
        Hello.newBuilder()
            .setProtocolVersion(ProtocolVersion.CURRENT)
            .setChildId(1 + random.nextInt(children.size() + 2))
            .setPid(1)
            .setToken(ByteString.copyFromUtf8("not the token"))
            .build();
    ChildLink link =
        new ChildLink() {
          @Override
          public void send(ToChild message) {
            throw new AssertionError("a stranger was sent " + message.getKindCase());
          }

          @Override
          public void close() {}
        };
    if (engine.onHello(link, hello) != null) {
      throw new AssertionError("a stranger without the token was admitted");
    }
  }

  /** A child process as the engine sees it: a process and, after its hello, a link. */
  private final class FakeChild implements ChildFactory.Process, ChildLink {
    final int id;
    final byte[] token;
    final ChildFactory.Events events;
    final long pid;
    final ArrayDeque<ToChild> inbox = new ArrayDeque<>();
    boolean started;
    boolean exited;
    boolean killed;
    boolean linkClosed;
    boolean hung;

    /** It said its reply was its last: it halts, and must never be sent another job. */
    boolean exiting;

    int unanswered;
    ChildSlot slot;

    /** Its watchdog's connection, or null. */
    FakeControl control;

    /** Skip requests its watchdog has not answered yet. */
    final ArrayDeque<Long> skipRequests = new ArrayDeque<>();

    /** The watchdog's connection: skip requests in, answers out at a later step. */
    final class FakeControl implements ChildLink {
      boolean closed;

      @Override
      public void send(ToChild message) {
        if (message.hasStackRequest()) {
          return; // a watchdog too slow to answer: the engine's grace covers it
        }
        if (!message.hasSkip()) {
          throw new AssertionError("control connection sent " + message.getKindCase());
        }
        if (closed || exited) {
          return; // as a Netty channel does: the write is dropped, onControlClosed is on its way
        }
        skipRequests.addLast(message.getSkip().getJobId());
      }

      @Override
      public void close() {
        closeControl();
      }
    }

    void closeControl() {
      if (control != null && !control.closed) {
        control.closed = true;
        skipRequests.clear();
        ChildSlot s = slot;
        loop.execute(() -> engine.onControlClosed(s));
      }
    }

    FakeChild(int id, byte[] token, ChildFactory.Events events, long pid) {
      this.id = id;
      this.token = token;
      this.events = events;
      this.pid = pid;
    }

    /** One step of this child's life; {@code fault} below a few percent makes it misbehave. */
    void progress(int fault) {
      if (!started) {
        if (fault < 6) {
          exited = true;
          events.onLaunchFailed("sim: fork failed");
        } else {
          started = true;
          events.onStarted(this);
        }
      } else if (slot == null && !linkClosed) {
        if (fault < 6) {
          exit(1); // died before it was ready
        } else if (fault < 10) {
          return; // slow start: maybe past the start deadline
        } else {
          slot =
              engine.onHello(
                  this,
                  Hello.newBuilder()
                      .setProtocolVersion(ProtocolVersion.CURRENT)
                      .setChildId(id)
                      .setPid(pid)
                      .setToken(ByteString.copyFrom(token))
                      .build());
          if (slot == null) {
            close();
          } else if (fault % 10 != 0) { // most children have a control connection
            control = new FakeControl();
            if (engine.onControlHello(
                    control,
                    Hello.newBuilder()
                        .setProtocolVersion(ProtocolVersion.CURRENT)
                        .setChildId(id)
                        .setPid(pid)
                        .setToken(ByteString.copyFrom(token))
                        .setControl(true)
                        .build())
                == null) {
              control = null;
            }
          }
        }
      } else if (!skipRequests.isEmpty() && fault == 1) {
        skipRequests.pollFirst(); // a wedged watchdog: the request is never answered
      } else if (!skipRequests.isEmpty() && (hung || fault % 2 == 0)) {
        answerSkip(); // the watchdog answers even while a job hangs
      } else if (!inbox.isEmpty() && !hung) {
        ToChild message = inbox.pollFirst();
        if (message.hasShutdown()) {
          exit(0);
        } else if (message.hasSkip()) {
          return; // for a job it already ran: ignored, as the real child does
        } else {
          started(message.getJob());
          answer(message.getJob().getJobId(), fault);
        }
      }
    }

    private void started(dev.procpool.protocol.JobRequest job) {
      int times = starts.merge(job.getJobId(), 1, Integer::sum);
      if (times > 1 && !job.getType().equals("retry")) {
        throw new AssertionError("job " + job.getJobId() + " (" + job.getType() + ") ran twice");
      }
    }

    /** The watchdog answers the oldest skip request: skipped if the job has not started. */
    private void answerSkip() {
      long jobId = skipRequests.pollFirst();
      // One skip drops one copy: a job skipped here may have been sent here again since.
      ToChild copy = null;
      for (ToChild m : inbox) {
        if (m.hasJob() && m.getJob().getJobId() == jobId) {
          copy = m;
          break;
        }
      }
      boolean skipped = copy != null && inbox.remove(copy);
      if (skipped) {
        unanswered--;
      }
      engine.onSkipAnswer(
          slot, SkipAnswer.newBuilder().setJobId(jobId).setSkipped(skipped).build());
    }

    private void answer(long jobId, int fault) {
      JobReply.Builder reply = JobReply.newBuilder().setJobId(jobId);
      if (fault < 4) {
        hung = true; // never answers: its timeout kills it
        return;
      } else if (fault < 8) {
        exit(1); // crashed mid-job
        return;
      } else if (fault < 12) {
        reply
            .setError(
                JobError.newBuilder()
                    .setCode(FailureCode.JOB_FAILED)
                    .setErrorClass("java.lang.StackOverflowError"))
            .setChildExiting(true);
      } else if (fault < 20) {
        reply.setError(
            JobError.newBuilder()
                .setCode(FailureCode.JOB_FAILED)
                .setErrorClass("java.lang.IllegalStateException"));
      } else {
        reply
            .setResult(ByteString.copyFromUtf8("done " + jobId))
            .setHeapUsedBytes(fault < 25 ? HEAP_LIMIT * 2 : 1);
      }
      unanswered--;
      exiting = reply.getChildExiting(); // before the reply lands: the engine may answer it at once
      if (exiting) {
        inbox.removeIf(ToChild::hasJob); // it halts after this reply: a job it held never runs
      }
      engine.onReply(slot, reply.build());
      if (exiting) {
        loop.execute(() -> exit(70)); // halts right after its reply
      }
    }

    void exit(int status) {
      if (exited) {
        return;
      }
      exited = true;
      closeControl();
      if (slot != null && !linkClosed) {
        linkClosed = true;
        ChildSlot s = slot;
        loop.execute(() -> engine.onChannelClosed(s));
      }
      events.onExit(status, java.util.List.of());
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public boolean isAlive() {
      return started && !exited;
    }

    @Override
    public void kill() {
      if (started && !exited && !killed) {
        killed = true;
        loop.execute(() -> exit(137));
      }
    }

    @Override
    public void send(ToChild message) {
      if (message.hasJob()) {
        checkFifo(message.getJob());
      }
      if (linkClosed || exited) {
        // As a Netty channel does: the write is dropped, onChannelClosed was queued when it closed.
        return;
      }
      if (message.hasJob()) {
        if (exiting) {
          throw new AssertionError(
              "child " + id + " said it exits, yet was sent job " + message.getJob().getJobId());
        }
        unanswered++;
        if (unanswered > (pipelining ? 2 : 1)) {
          throw new AssertionError(
              "child "
                  + id
                  + " was sent job "
                  + message.getJob().getJobId()
                  + (pipelining
                      ? " while it holds one behind its running job"
                      : " while running another"));
        }
      }
      inbox.addLast(message);
    }

    @Override
    public void close() {
      if (!linkClosed) {
        linkClosed = true;
        if (slot != null) {
          ChildSlot s = slot;
          loop.execute(() -> engine.onChannelClosed(s));
        }
        if (started && !exited) {
          loop.execute(() -> exit(0)); // end of stream: the child exits by itself
        }
      }
    }
  }

  // ---- invariants ----

  /** Queued jobs start in the order they were submitted (a retry's second start does not count). */
  private void checkFifo(dev.procpool.protocol.JobRequest job) {
    boolean pinned = job.getType().equals("broadcast");
    if (!pinned && firstStarts.add(job.getJobId())) {
      if (job.getJobId() < lastFirstStart) {
        throw new AssertionError(
            "job " + job.getJobId() + " started after job " + lastFirstStart + ": not FIFO");
      }
      lastFirstStart = job.getJobId();
    }
  }

  void check() {
    for (SimJob job : jobs) {
      if (job.future().attempts > 1) {
        throw new AssertionError(
            "job " + job.id() + " was completed " + job.future().attempts + " times");
      }
      if (job.job().isDone() && job.job().holdsTimer()) {
        throw new AssertionError(
            "job " + job.id() + " is done but its timeout timer is still scheduled");
      }
    }
    if (EngineSimulationTest.bugsLogged() > 0) {
      throw new AssertionError("the engine logged a bug: " + EngineSimulationTest.lastBug());
    }
    EngineStatus status = engine.status();
    if (status.queued() > CAPACITY + MAX_CHILDREN) {
      throw new AssertionError("queue of " + status.queued() + " jobs, capacity " + CAPACITY);
    }
    if (status.busy() < 0 || status.idle() < 0) {
      throw new AssertionError("negative counts: " + status);
    }
    int waiting = engine.admission().waiting();
    if (waiting < 0) {
      throw new AssertionError("admission count went negative: " + waiting);
    }
  }

  /** No more faults: children start, answer and exit as asked, until the pool is back to size. */
  private void heal() {
    healing = true;
    for (int round = 0; round < 400; round++) {
      for (FakeChild child : active()) {
        if (child.hung) {
          if (!child.skipRequests.isEmpty()) {
            child.answerSkip(); // its watchdog still answers
          }
          continue; // its timeout will kill it
        }
        for (int i = 0; i < 4 && !child.exited; i++) {
          child.progress(100);
        }
      }
      loop.runReady();
      loop.advance(TimeUnit.MILLISECONDS.toNanos(250));
      check();
      EngineStatus status = engine.status();
      long ready =
          status.children().stream()
              .filter(c -> c.state() == ChildSlot.State.IDLE || c.state() == ChildSlot.State.BUSY)
              .count();
      if (round > 20
          && status.queued() == 0
          && status.busy() == 0
          && ready == status.target()
          && status.children().size() == status.target()) {
        return;
      }
    }
    throw new AssertionError("the pool did not return to its target size: " + engine.status());
  }

  private void close() {
    CompletableFuture<Void> drained = engine.drain();
    loop.runReady();
    if (!drained.isDone()) {
      throw new AssertionError("a healed, idle pool did not drain at once: " + engine.status());
    }
    stopAndCheck();
  }

  /**
   * The drain deadline passed with jobs queued and running: they fail, their children are killed.
   */
  private void closeAbruptly() {
    engine.drain();
    loop.runReady();
    stopAndCheck();
  }

  private void stopAndCheck() {
    stopping = true;
    CompletableFuture<Void> exited = engine.stop("sim: closed");
    for (int round = 0; round < 100 && !exited.isDone(); round++) {
      for (FakeChild child : active()) {
        child.progress(100);
      }
      loop.runReady();
      loop.advance(TimeUnit.MILLISECONDS.toNanos(100));
    }
    if (!exited.isDone()) {
      throw new AssertionError("children did not all exit after close: " + engine.status());
    }
    loop.advance(
        TimeUnit.MILLISECONDS.toNanos(10)); // completion hand-offs scheduled at the very end
    if (loop.liveTimers() != 0 || loop.foreverTimers() != 0 || loop.hasReady()) {
      throw new AssertionError(loop.liveTimers() + " timers and tasks remain after close");
    }
    for (FakeChild child : children) {
      if (child.started && !child.exited) {
        throw new AssertionError("child " + child.id + " still runs after close");
      }
    }
    for (SimJob job : jobs) {
      if (!job.future().isDone()
          || job.future().attempts + (job.future().cancelledByUser ? 1 : 0) < 1) {
        throw new AssertionError("job " + job.id() + " never completed");
      }
    }
    if (engine.admission().waiting() != 0) {
      throw new AssertionError(
          "every job is done, yet admission counts " + engine.admission().waiting() + " waiting");
    }
  }
}
