package dev.procpool.internal.engine;

import com.google.protobuf.ByteString;
import dev.procpool.Job;
import dev.procpool.PoolConfig;
import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import dev.procpool.SimulatedPool;
import dev.procpool.internal.host.EngineHost;
import dev.procpool.internal.host.PoolHost;
import dev.procpool.protocol.FailureCode;
import dev.procpool.protocol.Hello;
import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import dev.procpool.protocol.ProtocolVersion;
import dev.procpool.protocol.SkipAnswer;
import dev.procpool.protocol.ToChild;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One seeded run of the real {@link dev.procpool.ProcessPool} facade over the engine, on a {@link
 * SimLoop} with fake children ({@link SimHost}, through the {@code EngineHost}, {@code Loop} and
 * {@code ChildFactory} seams), driven by random events: submit (with and without deadlines), cancel
 * with and without interrupt, replies, handler errors, a child that says it exits, crashes, hangs
 * and timeouts, slow starts, failed launches, resize, rolling restart, memory recycling, broadcast,
 * strangers on the socket, and at the end a drain and close. Half the seeds pipeline, each with its
 * own most jobs a child may hold (2 to 16) and depth budget: a fake child then holds jobs sent
 * ahead, runs them in order, and its control connection answers skip requests at random moments,
 * before or after a job's turn comes, as the real child's watchdog does on its own connection. A
 * child's death reaches the loop as three events in a random order: its exit and each connection
 * read to its end (with the answers written before it died); a signal the pool sends may land a few
 * steps later, after the child finished its job and started the next.
 *
 * <p>After every step {@link #check()} runs {@link Engine#checkInvariants()} (jobs in one place
 * each, counts equal to a recount, admission = queued + held + pinned, held jobs within the depth,
 * every running job watched, no timer on a done job, the idle deque exact) and the simulation's own
 * checks (FIFO starts, no job run twice unless retryable, no job sent to a child that said it
 * exits, the queue bound). The engine reports a defect (a job completed twice, a transition its
 * lifecycle forbids) by throwing through the {@link Defects} this run hands it. {@link #run} ends
 * with the closing checks: every future completed, no timer left, no child running, admission back
 * to zero. A failure names its seed and step; {@code -Dprocpool.sim.seed=N} replays it.
 *
 * <p>Mutations of the engine each caught (each applied alone, 600 steps a seed, seeds from 1; the
 * first failing seed and what it reported; all but the last two found before held jobs went deeper
 * than one, when {@code Hold} kept one job and {@code HeldJobs.depth} said how many):
 *
 * <ul>
 *   <li>{@code PendingJob.to} does not release the admission: seed 1, "admission counts 1 waiting,
 *       but queued + held + pinned = 0";
 *   <li>{@code PendingJob.to} does not count a move into {@code HELD} in the ledger: seed 2, "the
 *       ledger says queued=2 held=0 ..., the recount queued=1 held=1";
 *   <li>{@code Hold.take} leaves the job held after it started: seed 2, "job 13 ... is in two
 *       places: child 8 and child 8's held job";
 *   <li>{@code JobQueue.addFirst} adds a second entry: seed 1, "job 133 ... is in two places";
 *   <li>{@code HeldJobs.depth} says 0 while jobs are sent ahead: seed 2, "child 1 holds 1 jobs; its
 *       depth is 0";
 *   <li>{@code Dispatcher.begin} arms no time limit: seed 1, "job 1 ... runs with no watch on its
 *       time limit";
 *   <li>{@code Dispatcher.end} does not disarm the watch: seed 1, "the time limit of job 1 (work)
 *       DONE is still watched";
 *   <li>{@code HeldJobs.stopAwaiting} does not count down: seed 2, "0 children await a skip answer,
 *       pipelining counts 1" (busy would stay above zero and the drain never complete);
 *   <li>{@code Dispatcher.detach} leaves a leaving child in the idle deque: seed 1, "child 1 is in
 *       the idle deque while DEAD";
 *   <li>{@code JobEnds.cancel} of a running job with interrupt leaves the job on its child: seed 1,
 *       the engine's defect hook, "job 36 (retry) DONE: queue is not allowed once DONE" (the second
 *       end of a job that was already done);
 *   <li>{@code HeldJobs.replyWhileAwaiting} drops the held jobs a later reply proves skipped,
 *       instead of returning them to the queue (2,000 steps a seed): seed 27, "the ledger says
 *       queued=1 held=6 ..., the recount queued=1 held=5";
 *   <li>{@code HeldJobs.onChildLost} counts a possible run for the first held job only, not for
 *       every asked one up to the first unasked, while the child's skip answers could die with it
 *       (2,000 steps a seed): seed 815, "job 798 (work) ran twice". The child now writes a
 *       "skipped" answer before it passes the job ({@code SkipBook.answer}), and the one-job rule
 *       is right; the same mutation of the model (answers written, then lost at the death) is
 *       caught at seed 113, "job 635 (work) ran twice";
 *   <li>{@code Engine.onSkipAnswer} ignores a leaving child's answers (its data connection was read
 *       to its end first): seed 1296, "job 765 (work) ran twice";
 *   <li>{@code Roster.onExit} decides the loss before both connections were read to their end: seed
 *       2659, "job 413 (work) ran twice";
 *   <li>{@code Engine.onReply} ignores a leaving child's replies (a child killed as its job ended,
 *       running the next held one when the signal lands): seed 8, "job 343 (work) ran twice";
 *   <li>{@code HeldJobs.onLeavingReply} does not mark the next held job as maybe running: seed 302,
 *       "job 596 (work) ran twice";
 *   <li>{@code HeldJobs.onChildBroken} counts a run only up to the first held job not asked to
 *       skip, returning the rest while the condemned child runs on: seed 178, "job 303 (work) ran
 *       twice" (found by a review; the simulation had never made an admitted child break the
 *       protocol before).
 * </ul>
 *
 * <p>Not caught, because it cannot happen: {@code JobEnds.expire} without its {@code isDone()}
 * guard (2,000 seeds): a job that is done is never a child's job any more.
 */
final class Simulation {
  static final int MAX_CHILDREN = 4;
  static final long TIMEOUT_MILLIS = 2_000;
  static final long HEAP_LIMIT = 1_000_000;

  private final long seed;
  private final Random random;
  private final SimLoop loop = new SimLoop();
  private final PoolConfig config;
  private ProcessPool pool;
  private SimHost host;
  private Engine engine;
  private final List<FakeChild> children = new ArrayList<>();

  /** The children not known to have exited: {@link #active()} prunes it. */
  private final List<FakeChild> alive = new ArrayList<>();

  private final List<CompletableFuture<?>> futures = new ArrayList<>();

  /** The futures not known to be done, for cancels: pruned as they are picked. */
  private final List<CompletableFuture<?>> open = new ArrayList<>();

  private final Set<Long> firstStarts = new HashSet<>();
  private final boolean dynamic;

  /** Busy children are sent jobs ahead, which they may be told to skip. */
  private final boolean pipelining;

  /**
   * The most jobs a child may hold, its running one included: 2 to 16 when pipelining. The depth
   * moves within it with the run times, against a budget drawn per seed.
   */
  private final int maxDepth;

  private final long depthBudgetNanos;

  /** The queue bound: small, and with pipelining sometimes large enough to fill deep holds. */
  private final int capacity;

  /** How many times a fake child started each job; jobs written to a closed link never arrive. */
  private final java.util.Map<Long, Integer> starts = new java.util.HashMap<>();

  /** Close with work still queued and running, as at a drain deadline. */
  private final boolean abrupt;

  /** The most jobs any child was sent and had not answered at once: how deep the run went. */
  private int deepest;

  private long lastFirstStart;
  private long nextPid = 10_000;
  private int step;
  private long steps;
  private boolean healing;
  private boolean stopping;

  Simulation(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    this.dynamic = random.nextBoolean();
    this.abrupt = random.nextInt(4) == 0;
    this.pipelining = random.nextBoolean();
    this.maxDepth = pipelining ? 2 + random.nextInt(HoldDepth.MAX_DEPTH - 1) : 1;
    this.capacity = pipelining && random.nextBoolean() ? 6 + random.nextInt(40) : 6;
    this.depthBudgetNanos =
        TimeUnit.MILLISECONDS.toNanos(new long[] {1, 20, 200, 10_000}[random.nextInt(4)]);
    int children = 1 + random.nextInt(3);
    PoolConfigBuilder builder =
        PoolConfig.builder()
            .name("sim")
            .children(children)
            .maxChildren(dynamic ? MAX_CHILDREN : children)
            .childIdleTimeout(Duration.ofMillis(300))
            .maxJobsPerChild(random.nextInt(3) == 0 ? 3 : 0)
            .startTimeout(Duration.ofSeconds(5))
            .spawnFailureLimit(3)
            .recycleAboveHeapBytes(HEAP_LIMIT)
            .retryableJobTypes("retry")
            .maxAttempts(3)
            .queueCapacity(capacity)
            .jobTimeout(Duration.ofMillis(TIMEOUT_MILLIS))
            .callbackExecutor(Runnable::run)
            .pipelining(pipelining);
    if (random.nextBoolean()) {
      builder.slowJobThreshold(Duration.ofMillis(500));
    }
    this.config = builder.build();
  }

  /** The most jobs a child held at once, its running one included. */
  int deepest() {
    return deepest;
  }

  /** Simulated steps this run took (each a batch of 1 to 4 random events and a check). */
  long steps() {
    return steps;
  }

  /** The pool's host: the engine on the simulated loop, children from {@link #launch}. */
  private final class SimHost implements EngineHost {
    private final Engine hosted;
    private boolean closed;
    boolean drainedAtOnce;

    SimHost(PoolHost.Settings settings, PoolMetrics metrics, Failure.Factory failures) {
      this.hosted =
          new Engine(
              settings.engine().toBuilder()
                  .maxDepth(maxDepth)
                  .depthBudgetNanos(depthBudgetNanos)
                  .build(),
              loop,
              Simulation.this::launch,
              new Admission(settings.queueCapacity()),
              settings.callbacks(),
              metrics,
              failures,
              new Random(seed ^ 0x5DEECE66DL),
              what -> {
                throw new AssertionError("engine defect: " + what);
              });
      engine = hosted; // the fake children talk to it from the start
    }

    @Override
    public Engine engine() {
      return hosted;
    }

    /** The children start without faults: a pool that cannot start throws from its facade. */
    @Override
    public void start(long limitMillis) throws ExecutionException {
      List<CompletableFuture<Void>> started = new ArrayList<>();
      loop.execute(() -> started.add(hosted.start()));
      for (int round = 0; round < 1_000; round++) {
        loop.runReady();
        if (!started.isEmpty() && started.get(0).isDone()) {
          try {
            started.get(0).join();
            return;
          } catch (java.util.concurrent.CompletionException e) {
            throw new ExecutionException(e.getCause());
          }
        }
        for (FakeChild child : active()) {
          child.progress(20 + random.nextInt(80));
        }
        loop.advance(TimeUnit.MILLISECONDS.toNanos(10));
      }
      throw new AssertionError("the pool did not start");
    }

    @Override
    public boolean inLoop() {
      return false; // the test's thread calls the facade as a user does, from outside the loop
    }

    @Override
    public boolean runOnLoop(Runnable task) {
      if (closed) {
        return false;
      }
      loop.execute(task);
      return true;
    }

    @Override
    public long nanoTime() {
      return loop.nanoTime();
    }

    @Override
    public Instant now() {
      return Instant.ofEpochSecond(1_800_000_000L).plusNanos(loop.nanoTime());
    }

    /** As {@code PoolHost} does, with the test's thread running the loop and the children. */
    @Override
    public void close(long drainTimeoutMillis, String abandonReason) {
      CompletableFuture<Void> drained = hosted.drain();
      loop.runReady();
      drainedAtOnce = drained.isDone();
      stopping = true;
      CompletableFuture<Void> exited = hosted.stop(abandonReason);
      for (int round = 0; round < 100 && !exited.isDone(); round++) {
        for (FakeChild child : active()) {
          child.progress(100);
        }
        loop.runReady();
        loop.advance(TimeUnit.MILLISECONDS.toNanos(100));
      }
      closed = true;
    }
  }

  void run(int steps) {
    try {
      pool =
          SimulatedPool.start(
              config,
              (settings, metrics, failures) -> host = new SimHost(settings, metrics, failures));
      engine = host.engine();
      check();
      for (step = 0; step < steps; step++) {
        // Sometimes several things happen before the loop runs: a child dies while a job for it is
        // already on its way, a cancel races a reply.
        int actions = random.nextInt(10) < 3 ? 2 + random.nextInt(3) : 1;
        for (int i = 0; i < actions; i++) {
          randomStep();
        }
        loop.runReady();
        check();
        this.steps++;
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
      pool.resize(1 + random.nextInt(MAX_CHILDREN)).exceptionally(e -> null);
    } else if (roll < 925) {
      pool.restartChildren().exceptionally(e -> null);
    } else if (roll < 935) {
      broadcast();
    } else if (roll < 945) {
      stranger();
    } else {
      crashSomeChild();
    }
  }

  // ---- jobs, through the facade ----

  private void submit(String type) {
    Job<byte[]> job = Job.of(type, ("job " + futures.size()).getBytes(StandardCharsets.UTF_8));
    if (random.nextInt(5) == 0) {
      // A caller's deadline, sometimes gone before the job reaches the loop, or at submit.
      job = job.withDeadline(host.now().plusMillis(random.nextInt(3_000)));
    }
    track(pool.submit(job));
  }

  private void broadcast() {
    track(pool.broadcast("broadcast", new byte[0]));
  }

  private void track(CompletableFuture<?> future) {
    futures.add(future);
    if (!future.isDone()) {
      open.add(future);
    }
  }

  /** Cancels a random open future; O(1) amortized: a done one met on the way is dropped. */
  private void cancelSomeJob() {
    while (!open.isEmpty()) {
      int i = random.nextInt(open.size());
      CompletableFuture<?> future = open.get(i);
      open.set(i, open.get(open.size() - 1));
      open.remove(open.size() - 1);
      if (!future.isDone()) {
        future.cancel(random.nextBoolean());
        return;
      }
    }
  }

  // ---- children ----

  private void launch(int childId, byte[] token, ChildFactory.Events events) {
    if (stopping) {
      throw new AssertionError("child " + childId + " was started after close");
    }
    FakeChild child = new FakeChild(childId, token, events, nextPid++);
    children.add(child);
    alive.add(child);
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

  /** The children that have not exited; a copy, since a step may start or end children. */
  private List<FakeChild> active() {
    alive.removeIf(child -> child.exited);
    return new ArrayList<>(alive);
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

    /**
     * Skip answers decided and written, not yet read by the master: its control connection is
     * another socket than the replies', so a reply written later may be read first.
     */
    final ArrayDeque<SkipAnswer> answersOnTheWay = new ArrayDeque<>();

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
        answersOnTheWay.clear();
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
      if (killed && (healing || random.nextInt(3) == 0)) {
        exit(137);
        return;
      }
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
        decideSkip(); // the watchdog answers even while a job hangs
        if (fault % 4 == 0) {
          deliverAnswers();
        }
      } else if (!answersOnTheWay.isEmpty() && (hung || fault % 3 == 0)) {
        deliverAnswers();
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

    /** The watchdog decides the oldest skip request and writes its answer. */
    void answerSkip() {
      decideSkip();
      deliverAnswers();
    }

    /** The watchdog decides the oldest skip request: skipped if the job has not started. */
    private void decideSkip() {
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
      answersOnTheWay.addLast(SkipAnswer.newBuilder().setJobId(jobId).setSkipped(skipped).build());
    }

    /** The master reads the answers written so far, in order. */
    private void deliverAnswers() {
      for (SkipAnswer answer = answersOnTheWay.pollFirst();
          answer != null;
          answer = answersOnTheWay.pollFirst()) {
        engine.onSkipAnswer(slot, answer);
      }
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
        if (fault == 19 && slot.isLive()) {
          // Its job wrote garbage on the channel: the pool condemns it; its job thread runs on,
          // into the jobs it holds, until the kill lands.
          engine.onProtocolError(slot, "sim: garbage on its channel");
        }
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
      if (!linkClosed) { // else the pool closed its end: nothing more is read
        engine.onReply(slot, reply.build());
      }
      if (exiting) {
        loop.execute(() -> exit(70)); // halts right after its reply
      }
    }

    void exit(int status) {
      if (exited) {
        return;
      }
      exited = true;
      // The loop learns of a death three ways, in any order: the process's exit, the data
      // connection read to its end, the control connection read to its end (with the answers the
      // watchdog wrote before the death: the kernel still delivers them, ahead of the close).
      int order = random.nextInt(3);
      if (order == 0) {
        events.onExit(status, java.util.List.of());
      }
      if (order == 1) {
        closeData();
      }
      if (control != null && !control.closed && !answersOnTheWay.isEmpty()) {
        List<SkipAnswer> written = new ArrayList<>(answersOnTheWay);
        ChildSlot s = slot;
        loop.execute(() -> written.forEach(answer -> engine.onSkipAnswer(s, answer)));
      }
      closeControl();
      if (order != 1) {
        closeData();
      }
      if (order != 0) {
        events.onExit(status, java.util.List.of());
      }
    }

    private void closeData() {
      if (slot != null && !linkClosed) {
        linkClosed = true;
        ChildSlot s = slot;
        loop.execute(() -> engine.onChannelClosed(s));
      }
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
        if (hung || slot == null || random.nextBoolean()) {
          loop.execute(() -> exit(137));
        } // else the signal lands at one of its next steps: it may finish a job and start another
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
        deepest = Math.max(deepest, unanswered);
        if (unanswered > maxDepth) {
          throw new AssertionError(
              "child "
                  + id
                  + " was sent job "
                  + message.getJob().getJobId()
                  + " while it has "
                  + (unanswered - 1)
                  + " jobs; its depth is at most "
                  + maxDepth);
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
    engine.checkInvariants();
    int queued = engine.queued();
    if (queued > capacity + MAX_CHILDREN) {
      throw new AssertionError("queue of " + queued + " jobs, capacity " + capacity);
    }
  }

  /** No more faults: children start, answer and exit as asked, until the pool is back to size. */
  private void heal() {
    healing = true;
    for (int round = 0; round < 400; round++) {
      for (FakeChild child : active()) {
        if (child.killed) {
          child.progress(100); // the signal lands
          continue;
        }
        if (child.hung) {
          if (!child.skipRequests.isEmpty() || !child.answersOnTheWay.isEmpty()) {
            while (!child.skipRequests.isEmpty()) {
              child.answerSkip(); // its watchdog still answers
            }
            child.deliverAnswers();
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
    pool.close();
    if (!host.drainedAtOnce) {
      throw new AssertionError("a healed, idle pool did not drain at once: " + engine.status());
    }
    afterClose();
  }

  /**
   * The drain deadline passed with jobs queued and running: they fail, their children are killed.
   */
  private void closeAbruptly() {
    pool.close();
    afterClose();
  }

  private void afterClose() {
    if (host.runOnLoop(() -> {})) {
      throw new AssertionError("the loop still takes tasks after close");
    }
    if (engine.status().children().size() != 0) {
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
    for (int i = 0; i < futures.size(); i++) {
      if (!futures.get(i).isDone()) {
        throw new AssertionError("the future of submit " + i + " never completed");
      }
    }
    if (engine.admission().waiting() != 0) {
      throw new AssertionError(
          "every job is done, yet admission counts " + engine.admission().waiting() + " waiting");
    }
  }
}
