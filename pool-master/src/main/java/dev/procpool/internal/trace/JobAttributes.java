package dev.procpool.internal.trace;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attributes of a {@code procpool.job} span. Ours are named under {@code procpool.}; where
 * OpenTelemetry has a convention ({@code error.type}) it is used.
 */
final class JobAttributes {
  static final AttributeKey<String> TYPE = AttributeKey.stringKey("procpool.job.type");
  static final AttributeKey<String> POOL = AttributeKey.stringKey("procpool.pool.name");
  static final AttributeKey<Long> CHILD_ID = AttributeKey.longKey("procpool.child.id");
  static final AttributeKey<Long> CHILD_PID = AttributeKey.longKey("procpool.child.pid");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("procpool.job.attempt");

  /** {@code ok} or the failure code ({@code JOB_TIMEOUT}, {@code CHILD_CRASHED}, ...). */
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("procpool.job.outcome");

  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Long> CPU_NANOS = AttributeKey.longKey("procpool.job.cpu_nanos");
  static final AttributeKey<Long> ALLOCATED_BYTES =
      AttributeKey.longKey("procpool.job.allocated_bytes");
  static final AttributeKey<String> DETAIL = AttributeKey.stringKey("procpool.detail");

  private JobAttributes() {}
}
