package dev.procpool.child.internal;

/**
 * Configures this child's OpenTelemetry SDK when the master asks ({@code PROCPOOL_OTEL=
 * autoconfigure}, set by a pool built with {@code tracing(...)}) and the SDK's autoconfigure module
 * is on the class path: from the standard {@code OTEL_*} variables, installed as the global SDK, so
 * handlers reach it through {@code GlobalOpenTelemetry}. Its exporter runs on its own thread;
 * autoconfigure's shutdown hook flushes it when the child exits normally (a child killed with
 * SIGKILL, or halted after an {@link Error}, loses the spans not yet exported).
 *
 * <p>Called once, on the main thread, before handlers are loaded. Tracing never stops a child: a
 * failure is printed to stderr (the master's log) and the child goes on untraced.
 */
final class ChildTracing {
  static final String SWITCH = "PROCPOOL_OTEL";
  static final String AUTOCONFIGURE = "autoconfigure";

  private ChildTracing() {}

  static void start(int childId) {
    if (!AUTOCONFIGURE.equals(System.getenv(SWITCH))) {
      return;
    }
    try {
      Class.forName(
          "io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk",
          false,
          ChildTracing.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return; // no SDK on this child's class path: handlers' spans go nowhere, jobs run as ever
    }
    try {
      ChildSdk.install(childId);
    } catch (RuntimeException | LinkageError e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      System.err.println(
          "procpool child "
              + childId
              + ": OpenTelemetry SDK not configured: "
              + e
              + (cause == e ? "" : " (cause: " + cause + ")"));
    }
  }
}
