package dev.procpool.master.dispatch;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import dev.procpool.master.children.ChildSlot;
import dev.procpool.protocol.JobError;
import dev.procpool.protocol.JobReply;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches queued jobs with idle children. Owns the FIFO job queue and the LIFO idle deque.
 *
 * <p>Confined to the pool's event loop: every public method checks it, so no lock is needed.
 * Other threads reach it through {@code loop.execute}. Dispatch happens in exactly two places,
 * {@link #enqueue} and {@link #onChildFree}: the two events that can make a match possible.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** What the dispatcher needs from whoever owns the children's processes. */
  public interface Children {
    /** Kill the child (SIGKILL) and start a replacement; the dispatcher has already ended its job. */
    void kill(ChildSlot child, String reason);

    /** Shut the idle child down gracefully and start a replacement (recycling). */
    void retire(ChildSlot child);

    /** Jobs are waiting with no child free; a dynamic pool may start another child. */
    void onBacklog(int queued);

    /** The child reported its memory with a reply; it may be queued for replacement. */
    void observed(ChildSlot child, long heapBytes, long rssBytes);

    /** True when this child has run its share of jobs and should be replaced. */
    boolean dueForRecycling(ChildSlot child);

    /** True when children keep failing to start and none is ready: jobs cannot run. */
    boolean unhealthy();

    /** How many children are starting, idle or busy. */
    int liveCount();

    /** Every child the pool still tracks, in any state. */
    java.util.Collection<ChildSlot> all();

    /** Why the pool is unhealthy, for {@code SPAWN_FAILED} messages. */
    String unhealthyReason();
  }

  private final String poolName;
  private final EventLoop loop;
  private final AtomicInteger waiting;
  private final Set<String> retryable;
  private final int maxAttempts;
  /** Idle children, published for {@code submit}'s capacity check off the loop. */
  private final AtomicInteger idlePublished = new AtomicInteger();
  private final AtomicInteger queuedPublished = new AtomicInteger();
  private final AtomicInteger busyPublished = new AtomicInteger();
  private final ArrayDeque<PendingJob<?>> queue = new ArrayDeque<>();
  private final ArrayDeque<ChildSlot> idle = new ArrayDeque<>();
  private Children children;
  private int busy;
  private boolean accepting = true;
  private CompletableFuture<Void> drained;

  /**
   * @param waiting jobs submitted but not yet started; {@code submit} counts up to enforce the
   *     queue capacity without a trip to the loop, this class counts down
   */
  public Dispatcher(String poolName, EventLoop loop, AtomicInteger waiting, Set<String> retryable, int maxAttempts) {
    this.retryable = Set.copyOf(retryable);
    this.maxAttempts = maxAttempts;
    this.poolName = poolName;
    this.loop = loop;
    this.waiting = waiting;
  }

  public void children(Children children) {
    this.children = children;
  }

  /** A job was submitted. */
  public void enqueue(PendingJob<?> job) {
    checkInLoop();
    if (job.isDone()) { // cancelled on its way to the loop
      waiting.decrementAndGet();
      return;
    }
    if (!accepting) {
      waiting.decrementAndGet();
      job.fail(error(FailureCode.POOL_CLOSED, job, "pool is closing"));
      return;
    }
    if (children.unhealthy()) {
      waiting.decrementAndGet();
      job.fail(error(FailureCode.SPAWN_FAILED, job, children.unhealthyReason()));
      return;
    }
    job.queued(true);
    queue.addLast(job);
    dispatch();
    if (!queue.isEmpty()) {
      children.onBacklog(queue.size()); // dynamic sizing: jobs wait, the pool may grow
    }
  }

  /** A child became ready for a job: just started, or finished one. */
  public void onChildFree(ChildSlot child) {
    checkInLoop();
    child.idleSince(System.nanoTime());
    idle.addLast(child);
    dispatch();
    checkDrained();
  }

  private void dispatch() {
    // LIFO idle keeps the most recently used, JIT-hot children busy.
    while (!queue.isEmpty() && !idle.isEmpty()) {
      start(idle.pollLast(), queue.pollFirst());
    }
    publish();
  }

  /** Makes the counts readable off the loop (gauges, status); lazySet is enough for gauges. */
  private void publish() {
    idlePublished.lazySet(idle.size());
    queuedPublished.lazySet(queue.size());
    busyPublished.lazySet(busy);
  }

  /** Queued jobs as last published by the loop. */
  public int queuedJobs() {
    return queuedPublished.get();
  }

  /** Busy children as last published by the loop. */
  public int busyChildren() {
    return busyPublished.get();
  }

  /**
   * Idle children as last published by the loop; may lag a moment behind. {@code submit} admits a
   * job while {@code waiting <= queueCapacity + idleChildren()}.
   */
  public int idleChildren() {
    return idlePublished.get();
  }

  private void start(ChildSlot child, PendingJob<?> job) {
    waiting.decrementAndGet();
    job.queued(false);
    job.running(child, System.nanoTime());
    child.assign(job);
    busy++;
    child.channel()
        .writeAndFlush(job.request())
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() && child.job() == job) {
                    end(child, job);
                    job.fail(
                        error(
                            FailureCode.CHILD_CRASHED,
                            job,
                            "could not send the job to " + child + ": " + f.cause()));
                    children.kill(child, "write failed: " + f.cause());
                  }
                });
    long timeout = job.timeoutMillis();
    if (timeout > 0) {
      job.timeoutTask(
          loop.schedule(() -> onTimeout(child, job), timeout, TimeUnit.MILLISECONDS));
    }
  }

  /** A child answered. A reply for any job but the one it runs is a protocol error. */
  public void onReply(ChildSlot child, JobReply reply) {
    checkInLoop();
    PendingJob<?> job = child.job();
    if (job == null || job.id() != reply.getJobId()) {
      onProtocolError(
          child,
          "sent a reply for job "
              + reply.getJobId()
              + (job == null ? " while idle" : " while running job " + job.id()));
      return;
    }
    end(child, job);
    children.observed(child, reply.getHeapUsedBytes(), reply.getRssBytes());
    if (reply.hasResult()) {
      job.succeed(reply.getResult());
    } else {
      job.fail(remoteError(job, child, reply.getError()));
    }
    PendingJob<?> pinned = child.pollPinned();
    if (pinned != null) {
      start(child, pinned); // a broadcast waited for this child to finish its job
    } else if (children.dueForRecycling(child)) {
      children.retire(child);
      checkDrained();
    } else {
      onChildFree(child);
    }
  }

  /**
   * Runs a job on this child only, between its jobs: at once if it is idle, else right after its
   * current job, before anything queued. For broadcasts; the job must be counted in {@code waiting}.
   */
  public void pin(ChildSlot child, PendingJob<?> job) {
    checkInLoop();
    if (child.state() == ChildSlot.State.IDLE && idle.remove(child)) {
      start(child, job);
      publish();
    } else {
      child.pin(job);
    }
  }

  /** The child broke the protocol: its job fails, the child is killed and replaced. */
  public void onProtocolError(ChildSlot child, String what) {
    checkInLoop();
    log.error("{}: {} {}; killing it", poolName, child, what);
    PendingJob<?> job = child.job();
    if (job != null) {
      end(child, job);
      job.fail(error(FailureCode.PROTOCOL_ERROR, job, child + " " + what));
    }
    detach(child);
    children.kill(child, "protocol error: " + what);
    checkDrained();
  }

  /** The child's process is gone. Its job, if any, fails with {@code CHILD_CRASHED}. */
  public void onChildLost(ChildSlot child, String how) {
    checkInLoop();
    detach(child);
    for (PendingJob<?> pinned = child.pollPinned(); pinned != null; pinned = child.pollPinned()) {
      waiting.decrementAndGet();
      pinned.fail(error(FailureCode.CHILD_CRASHED, pinned, child + " " + how + " before it could run this job"));
    }
    PendingJob<?> job = child.job();
    if (job != null) {
      end(child, job);
      String what = child + " " + how + " while running job " + job.id() + " (" + job.type() + ")";
      if (!retryable.contains(job.type())) {
        job.fail(error(FailureCode.CHILD_CRASHED, job, what));
      } else if (job.runs() >= maxAttempts) {
        log.error("{}: job {} ({}) killed its child on all {} runs; quarantined", poolName, job.id(), job.type(), job.runs());
        job.fail(error(FailureCode.POISON_JOB, job,
            "killed its child on each of its " + job.runs() + " runs and will not run again; last: " + what));
      } else if (accepting) {
        // Idempotent by the user's word: back to the head of the queue, ahead of newer jobs.
        log.warn("{}: {}; retrying it (run {} of {})", poolName, what, job.runs() + 1, maxAttempts);
        job.requeued();
        job.queued(true);
        waiting.incrementAndGet();
        queue.addFirst(job);
        dispatch();
      } else {
        job.fail(error(FailureCode.CHILD_CRASHED, job, what + "; not retried: the pool is closing"));
      }
    }
    checkDrained();
  }

  private void onTimeout(ChildSlot child, PendingJob<?> job) {
    if (child.job() != job || job.isDone()) {
      return;
    }
    long ranMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - job.startedNanos());
    end(child, job);
    // Fail first, then kill: the caller hears at once, however long the kill takes.
    job.fail(
        error(
            FailureCode.JOB_TIMEOUT,
            job,
            "timed out after "
                + ranMillis
                + " ms (limit "
                + job.timeoutMillis()
                + " ms) in "
                + child
                + "; the child is killed and replaced"));
    children.kill(child, "job " + job.id() + " timed out");
    checkDrained();
  }

  /** The user cancelled the job's future. */
  public void cancel(PendingJob<?> job) {
    checkInLoop();
    if (job.isDone()) {
      return;
    }
    if (job.isQueued()) {
      queue.remove(job);
      job.queued(false);
      waiting.decrementAndGet();
      job.cancelled();
    } else if (job.child() != null) {
      ChildSlot child = job.child();
      end(child, job);
      job.cancelled();
      children.kill(child, "job " + job.id() + " was cancelled while running");
    } else {
      // Still on its way to the loop: enqueue() will see it is done and drop it.
      job.cancelled();
      return;
    }
    checkDrained();
  }

  /** Fails every queued job; used when children cannot be started. */
  public void failQueued(FailureCode code, String reason) {
    checkInLoop();
    List<PendingJob<?>> jobs = new ArrayList<>(queue);
    queue.clear();
    for (PendingJob<?> job : jobs) {
      job.queued(false);
      waiting.decrementAndGet();
      job.fail(error(code, job, reason));
    }
    checkDrained();
  }

  /** Refuses new jobs from now on; returns a future completed when nothing is queued or running. */
  public CompletableFuture<Void> drain() {
    checkInLoop();
    accepting = false;
    drained = new CompletableFuture<>();
    checkDrained();
    return drained;
  }

  /** After the drain deadline: fails what is still queued or running; running children are killed. */
  public void abandonAll(String reason) {
    checkInLoop();
    accepting = false;
    failQueued(FailureCode.POOL_CLOSED, reason);
    for (ChildSlot child : List.copyOf(children.all())) {
      PendingJob<?> job = child.job();
      if (job == null) {
        continue;
      }
      end(child, job);
      job.fail(error(FailureCode.POOL_CLOSED, job, reason + "; it was still running in " + child));
      children.kill(child, "pool closed with job " + job.id() + " running");
    }
  }

  /** The child may take no more jobs (it is being stopped); it is no longer offered any. */
  public void detach(ChildSlot child) {
    checkInLoop();
    idle.remove(child);
    publish();
  }

  /** Idle children, most recently used last. The caller may not keep the list. */
  public List<ChildSlot> takeIdle() {
    checkInLoop();
    List<ChildSlot> all = new ArrayList<>(idle);
    idle.clear();
    publish();
    return all;
  }

  public int queued() {
    return queue.size();
  }

  public int busy() {
    return busy;
  }

  public int idle() {
    return idle.size();
  }

  /** The pool's state for error messages, in HikariCP style. */
  public String stateLine() {
    return "children="
        + children.liveCount()
        + " busy="
        + busy
        + " idle="
        + idle.size()
        + " queued="
        + queue.size();
  }

  private void end(ChildSlot child, PendingJob<?> job) {
    if (child.job() == job) {
      child.release();
      busy--;
    }
  }

  private void checkDrained() {
    publish();
    if (drained != null && queue.isEmpty() && busy == 0) {
      drained.complete(null);
    }
  }

  private PoolException remoteError(PendingJob<?> job, ChildSlot child, JobError error) {
    FailureCode code =
        error.getCode() == dev.procpool.protocol.FailureCode.UNKNOWN_JOB_TYPE
            ? FailureCode.UNKNOWN_JOB_TYPE
            : FailureCode.JOB_FAILED;
    String message =
        code == FailureCode.UNKNOWN_JOB_TYPE
            ? error.getMessage()
            : error.getErrorClass() + (error.getMessage().isEmpty() ? "" : ": " + error.getMessage())
                + " (in " + child + ")";
    return new PoolException(
        code,
        job.id(),
        poolName + ": job " + job.id() + " (" + job.type() + ") failed: " + message,
        error.getErrorClass().isEmpty() ? null : error.getErrorClass(),
        error.getRemoteStack().isEmpty() ? null : error.getRemoteStack());
  }

  private PoolException error(FailureCode code, PendingJob<?> job, String what) {
    return new PoolException(
        code,
        job.id(),
        poolName + ": job " + job.id() + " (" + job.type() + ") " + what + " (" + stateLine() + ")");
  }

  private void checkInLoop() {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("Dispatcher used outside its event loop");
    }
  }
}
