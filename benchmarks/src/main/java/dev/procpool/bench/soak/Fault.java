package dev.procpool.bench.soak;

import dev.procpool.FailureCode;
import java.util.EnumSet;
import java.util.Set;

/**
 * The faults the soak injects, in turn, and the codes each may end with. A fault job's own code
 * comes first; {@code CHILD_CRASHED} is also right for any job whose child was SIGKILLed from
 * outside while it ran, which the books bound by the number of SIGKILLs.
 */
enum Fault {
  /** SIGKILL of a random child of the pool, from outside (no job of its own). */
  SIGKILL(null, "", 0, EnumSet.noneOf(FailureCode.class)),
  /** {@code exit}: the handler calls System.exit mid-job. */
  EXIT("exit", "7", 0, EnumSet.of(FailureCode.CHILD_CRASHED)),
  /** {@code oom}: allocates until OutOfMemoryError (children run with -Xmx64m). */
  OOM("oom", "", 0, EnumSet.of(FailureCode.CHILD_CRASHED)),
  /** {@code hang}: sleeps forever; its 300 ms timeout kills the child. */
  HANG("hang", "", 300, EnumSet.of(FailureCode.JOB_TIMEOUT)),
  /** {@code garbage}: writes bytes that are no frame on the child's socket. */
  GARBAGE("garbage", "unparsable", 0, EnumSet.of(FailureCode.PROTOCOL_ERROR)),
  /** {@code freeze}: the child SIGSTOPs itself, watchdog and all: a stalled child. */
  FREEZE("freeze", "", 300, EnumSet.of(FailureCode.JOB_TIMEOUT));

  final String jobType;
  final String payload;
  final int timeoutMillis;
  final Set<FailureCode> codes;

  Fault(String jobType, String payload, int timeoutMillis, Set<FailureCode> codes) {
    this.jobType = jobType;
    this.payload = payload;
    this.timeoutMillis = timeoutMillis;
    this.codes = codes;
  }

  static Fault nth(long n) {
    return values()[(int) (n % values().length)];
  }
}
