package dev.procpool.internal.engine;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The engine's invariants, recomputed from scratch: every job is found where it is (the queue, a
 * child's running job, its held job, its pinned jobs), each in one place and in the state that
 * place means, and every count the engine keeps or publishes must equal the recount. TigerBeetle
 * style: the prose rules of {@code docs/how-it-works-engine.md}, executable.
 *
 * <ul>
 *   <li>no job is in two places, and each place holds jobs of its state only;
 *   <li>no child holds more jobs than pipelining allows, and only a busy one holds any; one that
 *       awaits a skip answer runs no job, and the answer owed is its first held job's;
 *   <li>the ledger's counts equal the recount; admitted = queued + held + pinned (waiting), and
 *       busy = running + children awaiting a skip answer;
 *   <li>every running job's time limit is watched (unless it has none);
 *   <li>no timer or watch entry belongs to a job that is done;
 *   <li>the idle deque holds exactly the idle children, once each.
 * </ul>
 *
 * <p>{@link #check} walks everything, so only tests call it (after every simulated step), on the
 * loop, when no submitted job is still on its way to the loop. A broken rule throws {@link
 * AssertionError} naming it.
 */
final class Invariants {
  private final JobLedger ledger;
  private final Admission admission;
  private final Dispatcher dispatcher;
  private final ChildSlots slots;
  private final JobWatch watch;
  private final Pipelining pipelining;

  Invariants(
      JobLedger ledger,
      Admission admission,
      Dispatcher dispatcher,
      ChildSlots slots,
      JobWatch watch,
      Pipelining pipelining) {
    this.ledger = ledger;
    this.admission = admission;
    this.dispatcher = dispatcher;
    this.slots = slots;
    this.watch = watch;
    this.pipelining = pipelining;
  }

  /** Where each job was found in this check (a child, or the queue); reused, cleared each time. */
  private final Map<PendingJob<?>, Object> places = new IdentityHashMap<>();

  private final Map<ChildSlot, Boolean> seen = new IdentityHashMap<>();

  void check() {
    places.clear();
    seen.clear();
    int[] queued = {0};
    dispatcher
        .queue()
        .forEachQueued(
            job -> {
              place(places, job, "queue", JobState.QUEUED, null);
              queued[0]++;
            });
    int running = 0;
    int held = 0;
    int pinned = 0;
    int awaiting = 0;
    int idle = 0;
    for (ChildSlot child : slots.view()) {
      PendingJob<?> job = child.job();
      if (job != null) {
        place(places, job, "job", JobState.RUNNING, child);
        running++;
        require(
            child.state() == ChildSlot.State.BUSY || child.state() == ChildSlot.State.STOPPING,
            () -> child + " runs " + job + " while " + child.state());
        require(
            job.timeoutMillis() == 0 && job.deadlineNanos() == 0 || watch.watches(child, job),
            () -> job + " runs with no watch on its time limit");
      }
      Hold hold = child.hold();
      require(
          hold.size() <= pipelining.maxHeld(),
          () -> child + " holds " + hold.size() + " jobs; at most " + pipelining.maxHeld());
      require(
          // A leaving child may still run the job the pool abandoned (timeout, cancel), no longer
          // its job: its reply, if it comes, moves it on (HeldJobs.onLeavingReply).
          hold.isEmpty() || job != null || hold.awaitingSkipAnswer() || !child.isLive(),
          () -> child + " holds " + hold.job(0) + " behind no running job");
      require(
          // A leaving child may await with its first job no longer asked: the one it may have
          // started once the jobs ahead were skipped (HeldJobs.onLeavingAnswer).
          !hold.awaitingSkipAnswer()
              || job == null && (hold.skip(0) == Hold.Skip.ASKED || !child.isLive()),
          () -> child + " awaits a skip answer, yet runs " + job + " or its first held job");
      for (int i = 0; i < hold.size(); i++) {
        PendingJob<?> ahead = hold.job(i);
        if (ahead.isDone()) {
          requireNoTimer(ahead);
        } else {
          place(places, ahead, "held jobs", JobState.HELD, child);
          held++;
        }
      }
      if (child.hold().awaitingSkipAnswer()) {
        awaiting++;
      }
      for (PendingJob<?> waiting : child.pinned()) {
        if (waiting.isDone()) {
          requireNoTimer(waiting);
        } else {
          place(places, waiting, "pinned jobs", JobState.PINNED, child);
          pinned++;
        }
      }
      if (child.state() == ChildSlot.State.IDLE) {
        idle++;
      }
    }
    int idleDeque = 0;
    for (ChildSlot child : dispatcher.idleChildren()) {
      require(seen.put(child, true) == null, () -> child + " is twice in the idle deque");
      require(
          child.state() == ChildSlot.State.IDLE,
          () -> child + " is in the idle deque while " + child.state());
      idleDeque++;
    }
    checkCounts(queued[0], held, pinned, running, awaiting, idle, idleDeque);
    watch.forEachWatched(
        job -> require(!job.isDone(), () -> "the time limit of " + job + " is still watched"));
  }

  private void checkCounts(
      int queued, int held, int pinned, int running, int awaiting, int idle, int idleDeque) {
    require(
        idleDeque == idle, () -> idle + " children are idle but " + idleDeque + " in the deque");
    require(
        queued == ledger.queued()
            && held == ledger.held()
            && running == ledger.running()
            && pinned == ledger.pinned(),
        () ->
            "the ledger says "
                + ledger
                + ", the recount queued="
                + queued
                + " held="
                + held
                + " pinned="
                + pinned
                + " running="
                + running);
    require(
        admission.waiting() == queued + held + pinned,
        () ->
            "admission counts "
                + admission.waiting()
                + " waiting, but queued + held + pinned = "
                + (queued + held + pinned));
    require(
        awaiting == pipelining.awaiting(),
        () ->
            awaiting + " children await a skip answer, pipelining counts " + pipelining.awaiting());
    require(
        dispatcher.busy() == running + awaiting,
        () -> "busy is " + dispatcher.busy() + ", running + awaiting = " + (running + awaiting));
  }

  /** {@code job} is found at {@code where} ("queue", or a part of {@code child}). */
  private static void place(
      Map<PendingJob<?>, Object> places,
      PendingJob<?> job,
      String where,
      JobState state,
      ChildSlot child) {
    Object before = places.put(job, child == null ? where : child);
    require(
        before == null, () -> job + " is in two places: " + before + " and " + where(where, child));
    require(
        job.state() == state, () -> job + " is in " + where(where, child) + " but " + job.state());
    require(
        job.child() == child,
        () -> job + " is in " + where(where, child) + " but points at " + job.child());
  }

  private static String where(String where, ChildSlot child) {
    return child == null ? "the " + where : child + "'s " + where;
  }

  private static void requireNoTimer(PendingJob<?> job) {
    require(!job.holdsTimer(), () -> job + " is done but still holds a timer");
  }

  private static void require(boolean rule, Supplier<String> broken) {
    if (!rule) {
      throw new AssertionError("invariant broken: " + broken.get());
    }
  }
}
