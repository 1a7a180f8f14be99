package dev.procpool.child;

/**
 * User code that runs inside a child JVM: one implementation per job type.
 *
 * <p>Handlers are found with {@link java.util.ServiceLoader}: list the class in {@code
 * META-INF/services/dev.procpool.child.JobHandler} of a jar on the child's class path. Each child
 * makes one instance of each handler and calls it from one thread only, one job at a time, so a
 * handler may keep blocking resources (a JDBC connection, a native handle) in fields without locks.
 *
 * <p>Lifecycle: {@link #open} once per child before its first job; then {@link #handle} once per
 * job; {@link #close} when the child shuts down. If {@code open} throws, the child exits and the
 * master counts a failed start (with back-off), so a broken database URL cannot make it spin.
 */
public interface JobHandler {

  /** The job type this handler serves, as passed to {@code Job.of(type, payload)}. */
  String type();

  /** Opens long-lived resources. Runs once per child, before the child reports ready. */
  default void open(ChildContext ctx) throws Exception {}

  /**
   * Runs one job. Blocking is fine: this child does nothing else meanwhile.
   *
   * @return the result bytes ({@code null} is sent as an empty result)
   * @throws Exception any failure: the job's future fails with {@code JOB_FAILED}, carrying the
   *     exception's class, message and stack trace, and this child takes the next job
   */
  byte[] handle(byte[] payload, JobContext ctx) throws Exception;

  /** Releases what {@link #open} took. Called once at child shutdown; must not throw. */
  default void close() {}
}
