package dev.procpool;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One unit of work for a child: a type (which {@code JobHandler} runs it), a payload, an optional
 * time limit, and how to read the result bytes.
 *
 * <p>Immutable. The payload array is not copied: do not change it after submitting the job.
 *
 * @param <T> the result type
 */
public final class Job<T> {
  private final String type;
  private final ByteString payload;
  private final Duration timeout;
  private final Instant deadline;
  private final ResultDecoder<T> decoder;

  private Job(
      String type,
      ByteString payload,
      Duration timeout,
      Instant deadline,
      ResultDecoder<T> decoder) {
    this.type = type;
    this.payload = payload;
    this.timeout = timeout;
    this.deadline = deadline;
    this.decoder = decoder;
  }

  /** A job whose result is the handler's bytes as they are. */
  public static Job<byte[]> of(String type, byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    return new Job<>(type, UnsafeByteOperations.unsafeWrap(payload), null, null, bytes -> bytes);
  }

  /**
   * A job whose payload is a protobuf message and whose result is parsed with {@code resultParser}.
   * A result that does not parse fails the job with {@link FailureCode#PROTOCOL_ERROR}.
   */
  public static <R> Job<R> of(String type, MessageLite payload, Parser<R> resultParser) {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(resultParser, "resultParser");
    return new Job<>(type, payload.toByteString(), null, null, resultParser::parseFrom);
  }

  /**
   * The same job with its own time limit instead of the pool's {@code jobTimeout}. The limit counts
   * from the moment a child starts the job; a child still running it then is killed and replaced.
   */
  public Job<T> withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be > 0: " + timeout);
    }
    return new Job<>(type, payload, timeout, deadline, decoder);
  }

  /**
   * The same job with the caller's deadline: after it, nobody waits for the answer. A job still
   * queued then leaves the queue without running ({@link FailureCode#DEADLINE_EXCEEDED}); a running
   * job's limit is the sooner of its timeout and the deadline; the handler sees it as {@code
   * JobContext.deadline()}. With {@code deadlineAdmission}, a job whose expected wait already
   * exceeds it is refused at submit.
   */
  public Job<T> withDeadline(Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    return new Job<>(type, payload, timeout, deadline, decoder);
  }

  /** The caller's deadline, if it set one. */
  public Optional<Instant> deadline() {
    return Optional.ofNullable(deadline);
  }

  public String type() {
    return type;
  }

  public ByteString payload() {
    return payload;
  }

  /** This job's own limit, if it has one; otherwise the pool's applies. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  T decode(ByteString result) throws InvalidProtocolBufferException {
    return decoder.decode(result.toByteArray());
  }

  /** Reads a result; the pool calls it on its callback executor, never on the event loop. */
  @FunctionalInterface
  interface ResultDecoder<T> {
    T decode(byte[] result) throws InvalidProtocolBufferException;
  }
}
