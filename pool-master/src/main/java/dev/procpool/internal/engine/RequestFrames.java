package dev.procpool.internal.engine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.procpool.protocol.JobRequest;
import dev.procpool.protocol.ToChild;

/** The request frame of a job: its size before it is built, and the frame itself. */
final class RequestFrames {
  private RequestFrames() {}

  /**
   * The size of a job's request frame body, computed without building it: a payload that does not
   * fit {@code maxFrameBytes} is refused at submit ({@code INVALID_REQUEST}), never sent.
   */
  static long bytes(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      long deadlineEpochMillis,
      JobSpan span) {
    long job =
        CodedOutputStream.computeInt64Size(JobRequest.JOB_ID_FIELD_NUMBER, id)
            + CodedOutputStream.computeStringSize(JobRequest.TYPE_FIELD_NUMBER, type)
            + (payload.isEmpty()
                ? 0
                : CodedOutputStream.computeTagSize(JobRequest.PAYLOAD_FIELD_NUMBER)
                    + CodedOutputStream.computeUInt64SizeNoTag(payload.size())
                    + (long) payload.size())
            + (timeoutMillis == 0
                ? 0
                : CodedOutputStream.computeInt64Size(
                    JobRequest.TIMEOUT_MILLIS_FIELD_NUMBER, timeoutMillis))
            + (deadlineEpochMillis == 0
                ? 0
                : CodedOutputStream.computeInt64Size(
                    JobRequest.DEADLINE_EPOCH_MILLIS_FIELD_NUMBER, deadlineEpochMillis))
            + (span.traceparent().isEmpty()
                ? 0
                : CodedOutputStream.computeStringSize(
                    JobRequest.TRACEPARENT_FIELD_NUMBER, span.traceparent()))
            + (span.tracestate().isEmpty()
                ? 0
                : CodedOutputStream.computeStringSize(
                    JobRequest.TRACESTATE_FIELD_NUMBER, span.tracestate()));
    return CodedOutputStream.computeTagSize(ToChild.JOB_FIELD_NUMBER)
        + CodedOutputStream.computeUInt64SizeNoTag(job)
        + job;
  }

  static ToChild request(
      long id,
      String type,
      ByteString payload,
      long timeoutMillis,
      long deadlineEpochMillis,
      JobSpan span) {
    return ToChild.newBuilder()
        .setJob(
            JobRequest.newBuilder()
                .setJobId(id)
                .setType(type)
                .setPayload(payload)
                .setTimeoutMillis(timeoutMillis)
                .setDeadlineEpochMillis(deadlineEpochMillis)
                .setTraceparent(span.traceparent())
                .setTracestate(span.tracestate()))
        .build();
  }
}
