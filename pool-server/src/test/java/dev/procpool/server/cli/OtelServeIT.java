package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.server.testing.ServerProcess;
import dev.procpool.testing.OtlpReceiver;
import dev.procpool.testing.OtlpReceiver.ReceivedSpan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --otel} as an outside program sees it: OTLP/HTTP to a receiver of the test's own, a
 * {@code traceparent} on {@code POST /jobs/...}, and one trace from the request through the pool
 * into the child's handler. Without the flag, the server loads no OpenTelemetry class.
 */
class OtelServeIT {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @Test
  void serveOtel_traceparentOnAJob_oneTraceFromRequestIntoTheChild(@TempDir Path dir)
      throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      Process server =
          ServerProcess.launch(
              dir,
              receiver.environment("procpool-it"),
              List.of(),
              "serve",
              "--otel",
              "--children",
              "1",
              "--port",
              "0",
              "--data-dir",
              dir.resolve("data").toString()); // serve creates it, mode 0700
      try {
        int port = ServerProcess.awaitPort(server);
        HttpResponse<String> answer =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/traced"))
                        .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                        .POST(HttpRequest.BodyPublishers.ofString("over the wire"))
                        .timeout(PATIENCE)
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());

        ReceivedSpan http =
            receiver.await(
                s -> s.name().equals("POST /jobs/{type}"), PATIENCE, "the HTTP server span");
        assertEquals(TRACE_ID, http.traceId());
        assertEquals(CALLER_SPAN, http.parentSpanId(), "the caller's span is the parent");
        assertEquals(2, http.kind(), "SPAN_KIND_SERVER");
        assertEquals("200", http.attributes().get("http.response.status_code"));
        assertEquals("procpool-it", http.service());

        ReceivedSpan job =
            receiver.await(s -> s.name().equals("procpool.job"), PATIENCE, "the job span");
        assertEquals(TRACE_ID, job.traceId());
        assertEquals(http.spanId(), job.parentSpanId(), "the job runs under the request");
        assertEquals("traced", job.attributes().get("procpool.job.type"));
        assertEquals("ok", job.attributes().get("procpool.job.outcome"));
        assertEquals("procpool", job.attributes().get("procpool.pool.name"));

        for (String part : List.of("procpool.job.wait", "procpool.job.run")) {
          ReceivedSpan span = receiver.await(s -> s.name().equals(part), PATIENCE, part);
          assertEquals(TRACE_ID, span.traceId());
          assertEquals(job.spanId(), span.parentSpanId(), part + " is a part of the job");
        }
        ReceivedSpan run =
            receiver.await(s -> s.name().equals("procpool.job.run"), PATIENCE, "run");
        assertTrue(Long.parseLong(run.attributes().get("procpool.child.pid")) > 0);

        ReceivedSpan work =
            receiver.await(
                s -> s.name().equals("fixture.work"), PATIENCE, "the handler's span in the child");
        assertEquals(TRACE_ID, work.traceId());
        assertEquals(job.spanId(), work.parentSpanId(), "the handler's span joins the job's");
        assertEquals("over the wire", work.attributes().get("fixture.payload"));
        assertEquals(
            "00-" + TRACE_ID + "-" + job.spanId() + "-01",
            answer.body().split("\\|", -1)[0],
            "the child received the job span's context");
      } finally {
        server.destroy();
        assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
      }
    }
  }

  @Test
  void serveWithoutOtel_loadsNoOpenTelemetryClass(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("classes.txt");
    Process server =
        ServerProcess.launch(
            dir,
            Map.of(),
            List.of("-Xlog:class+load=info:file=" + log),
            "serve",
            "--children",
            "1",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("data").toString()); // serve creates it, mode 0700
    try {
      int port = ServerProcess.awaitPort(server);
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/echo"))
                      .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                      .POST(HttpRequest.BodyPublishers.ofString("plain"))
                      .timeout(PATIENCE)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
    } finally {
      server.destroy();
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
    }
    String loaded = Files.readString(log);
    assertTrue(loaded.contains("dev.procpool.ProcessPool"), "the log covers the server's run");
    assertFalse(
        loaded.contains("io.opentelemetry"),
        "an OpenTelemetry class was loaded without --otel: "
            + loaded.lines().filter(l -> l.contains("io.opentelemetry")).findFirst().orElse(""));
  }
}
