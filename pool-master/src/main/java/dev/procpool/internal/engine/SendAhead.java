package dev.procpool.internal.engine;

import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * Pipelining's bookkeeping: which busy children may be sent a job ahead, and which hold any. It
 * counts nothing: the held jobs are the ledger's.
 *
 * <p>Both deques hold each child at most once (a flag on the slot says it is in) and are checked
 * when polled, so they never grow past the number of children and need no removal on every state
 * change. Confined to the loop.
 */
final class SendAhead {
  private final ArrayDeque<ChildSlot> open = new ArrayDeque<>();
  private final ArrayDeque<ChildSlot> holders = new ArrayDeque<>();
  private final Predicate<ChildSlot> mayHoldAnother;

  /**
   * When a deque reaches this size, children that are gone are dropped from it (amortized O(1)).
   */
  private int pruneOpenAt = 32;

  private int pruneHoldersAt = 32;

  /** {@code mayHoldAnother}: not retiring, no broadcast waiting, not due to be recycled. */
  SendAhead(Predicate<ChildSlot> mayHoldAnother) {
    this.mayHoldAnother = mayHoldAnother;
  }

  /** The child started a job, or was sent one and has room: it may be sent one more. */
  void started(ChildSlot child) {
    if (!child.hold().inOpenSet) {
      child.hold().inOpenSet = true;
      open.addLast(child);
      if (open.size() >= pruneOpenAt) {
        open.removeIf(SendAhead::goneFromOpen);
        pruneOpenAt = Math.max(32, 2 * open.size());
      }
    }
  }

  /**
   * The busy child that has waited longest for a job behind its running one, holds fewer than
   * {@code maxHeld} and whose running job is not overdue ({@code now - started > overdueNanos});
   * null when none. Taken out of the set: {@link #started} puts it back at the end when it may take
   * one more, so children with room take turns.
   */
  ChildSlot takeOpen(long nowNanos, long overdueNanos, int maxHeld) {
    for (ChildSlot child = open.pollFirst(); child != null; child = open.pollFirst()) {
      child.hold().inOpenSet = false;
      PendingJob<?> running = child.job();
      if (child.state() == ChildSlot.State.BUSY
          && child.hold().size() < maxHeld
          && !child.hold().awaitingSkipAnswer()
          && running != null
          && nowNanos - running.startedNanos() <= overdueNanos
          && mayHoldAnother.test(child)) {
        return child;
      }
    }
    return null;
  }

  /** {@code job} was sent to {@code child} ahead of time. */
  void sent(ChildSlot child, PendingJob<?> job) {
    child.hold().add(job);
    job.toHeld(child);
    if (!child.hold().inHolderSet) {
      child.hold().inHolderSet = true;
      holders.addLast(child);
      if (holders.size() >= pruneHoldersAt) {
        holders.removeIf(SendAhead::goneFromHolders);
        pruneHoldersAt = Math.max(32, 2 * holders.size());
      }
    }
  }

  private static boolean goneFromOpen(ChildSlot child) {
    boolean gone = !child.isLive();
    if (gone) {
      child.hold().inOpenSet = false;
    }
    return gone;
  }

  private static boolean goneFromHolders(ChildSlot child) {
    boolean gone = child.hold().isEmpty();
    if (gone) {
      child.hold().inHolderSet = false;
    }
    return gone;
  }

  /**
   * The child holding a job nobody has asked it to skip whose running job started first, if before
   * {@code startedBeforeNanos}; null when none.
   */
  ChildSlot holderToRecall(long startedBeforeNanos) {
    ChildSlot first = null;
    long firstStart = startedBeforeNanos;
    for (ChildSlot child : holders) {
      PendingJob<?> running = child.job();
      if (child.hold().lastUnasked() >= 0
          && running != null
          && running.startedNanos() < firstStart) {
        first = child;
        firstStart = running.startedNanos();
      }
    }
    return first;
  }
}
