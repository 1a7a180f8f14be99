package dev.procpool.internal.engine;

/** What a reply (or a skip answer) left the child doing, as far as the engine must act on it. */
enum AfterReply {
  /** The reply was not for the job the child runs: a protocol error, nothing was touched. */
  UNEXPECTED,
  /** The child has no job: offer it one, or retire it. */
  FREE,
  /** Nothing for the engine to do: the child runs its next job, awaits an answer, or is killed. */
  BUSY
}
