package dev.procpool.bench.soak;

import dev.procpool.FailureCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One path's accounting, kept from the callers' side: every submission, every completion (a second
 * completion of one job is counted, never ignored), echoes that came back to the wrong caller, and
 * each failure by fault and code. Thread-safe.
 */
final class Books {
  private static final int MAX_NOTES = 20;

  final String path;
  final AtomicLong submitted = new AtomicLong();
  final AtomicLong completed = new AtomicLong();
  final AtomicLong succeeded = new AtomicLong();
  final AtomicLong completedTwice = new AtomicLong();
  final AtomicLong misrouted = new AtomicLong();
  final AtomicLong wrongCode = new AtomicLong();
  final AtomicLong sigkills = new AtomicLong();
  final AtomicLong faultJobs = new AtomicLong();

  /**
   * Jobs refused with SPAWN_FAILED: the right code while children keep failing to start (on an
   * overloaded machine a child can miss the master's hello deadline several times in a row). They
   * never ran; counted and reported, not a violation.
   */
  final AtomicLong spawnFailed = new AtomicLong();

  /** Echo jobs (and fault jobs) that failed CHILD_CRASHED: allowed up to one per SIGKILL each. */
  final AtomicLong crashedBySigkill = new AtomicLong();

  private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());

  Books(String path) {
    this.path = path;
  }

  /** An echo job ended; {@code times} is how often this one job's completion ran (1 is right). */
  void echoEnded(int times, boolean sameBytes, FailureCode code, String detail) {
    if (!count(times)) {
      return;
    }
    if (code == null) {
      if (sameBytes) {
        succeeded.incrementAndGet();
      } else {
        misrouted.incrementAndGet();
        note("misrouted: " + detail);
      }
      outcome("echo", "OK");
      return;
    }
    outcome("echo", code.name());
    if (code == FailureCode.SPAWN_FAILED) {
      spawnFailed.incrementAndGet();
    } else if (code == FailureCode.CHILD_CRASHED) {
      crashedBySigkill.incrementAndGet();
    } else {
      wrongCode.incrementAndGet();
      note("echo failed " + code + ": " + detail);
    }
  }

  /** A fault job ended with {@code code} (null if it succeeded, which is wrong). */
  void faultEnded(int times, Fault fault, FailureCode code, String detail) {
    if (!count(times)) {
      return;
    }
    outcome(fault.name(), code == null ? "OK" : code.name());
    if (code != null && fault.codes.contains(code)) {
      return;
    }
    if (code == FailureCode.SPAWN_FAILED) {
      spawnFailed.incrementAndGet();
      return;
    }
    if (code == FailureCode.CHILD_CRASHED) {
      crashedBySigkill.incrementAndGet();
      return;
    }
    wrongCode.incrementAndGet();
    note(fault + " ended " + code + ": " + detail);
  }

  private boolean count(int times) {
    if (times != 1) {
      completedTwice.incrementAndGet();
      note("a job completed " + times + " times");
      return false;
    }
    completed.incrementAndGet();
    return true;
  }

  private void outcome(String kind, String code) {
    outcomes.computeIfAbsent(kind + "=" + code, k -> new AtomicLong()).incrementAndGet();
  }

  void note(String text) {
    if (notes.size() < MAX_NOTES) {
      notes.add(text);
    }
  }

  long lost() {
    return submitted.get() - completed.get();
  }

  /** Failures with a code no fault explains, or more crashes than SIGKILLs could cause. */
  List<String> violations() {
    List<String> v = new ArrayList<>();
    if (lost() != 0) {
      v.add(
          path
              + ": "
              + lost()
              + " lost (submitted "
              + submitted
              + ", completed "
              + completed
              + ")");
    }
    if (completedTwice.get() != 0) {
      v.add(path + ": " + completedTwice + " completed twice");
    }
    if (misrouted.get() != 0) {
      v.add(path + ": " + misrouted + " misrouted");
    }
    if (wrongCode.get() != 0) {
      v.add(path + ": " + wrongCode + " failed with a wrong code");
    }
    // A SIGKILLed child was running at most one job (and held at most one, which is requeued).
    if (crashedBySigkill.get() > sigkills.get()) {
      v.add(
          path
              + ": "
              + crashedBySigkill
              + " jobs CHILD_CRASHED but only "
              + sigkills
              + " SIGKILLs");
    }
    v.addAll(notes.stream().map(n -> path + ": " + n).toList());
    return v;
  }

  String summary() {
    Map<String, Long> sorted = new java.util.TreeMap<>();
    outcomes.forEach((k, c) -> sorted.put(k, c.get()));
    return String.format(
        "%s: submitted=%d completed=%d lost=%d completed_twice=%d misrouted=%d wrong_code=%d"
            + " echo_ok=%d faults=%d (sigkill=%d, fault jobs=%d) crashed_by_sigkill=%d"
            + " spawn_failed=%d%n"
            + "%s outcomes: %s",
        path,
        submitted.get(),
        completed.get(),
        lost(),
        completedTwice.get(),
        misrouted.get(),
        wrongCode.get(),
        succeeded.get(),
        sigkills.get() + faultJobs.get(),
        sigkills.get(),
        faultJobs.get(),
        crashedBySigkill.get(),
        spawnFailed.get(),
        path,
        sorted);
  }
}
