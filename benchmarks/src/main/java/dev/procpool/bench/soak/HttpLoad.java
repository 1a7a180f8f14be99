package dev.procpool.bench.soak;

import dev.procpool.FailureCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Like {@link LibraryLoad}, through a {@code serve} process's HTTP API: {@code POST /jobs/{type}},
 * {@code window} requests in flight over keep-alive connections; the failure code is read from the
 * JSON body every error response carries. SIGKILLs go to the server's children.
 */
final class HttpLoad implements SoakPath {
  private static final int WINDOW = 32;
  private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"");

  private final ServeProcess serve;
  private final Books books = new Books("http");
  private final long jobs;
  private final long faultEvery;
  private final long deadlineNanos;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          // A fixed executor, so this JVM's thread count (the library master's, sampled) is flat.
          .executor(
              java.util.concurrent.Executors.newFixedThreadPool(
                  2,
                  r -> {
                    Thread t = new Thread(r, "soak-http-client");
                    t.setDaemon(true);
                    return t;
                  }))
          .build();

  HttpLoad(ServeProcess serve, long jobs, long faultEvery, long deadlineNanos) {
    this.serve = serve;
    this.jobs = jobs;
    this.faultEvery = faultEvery;
    this.deadlineNanos = deadlineNanos;
  }

  /** A slot in the window, or false once the deadline has passed. */
  private boolean acquire(Semaphore window) throws InterruptedException {
    while (System.nanoTime() < deadlineNanos) {
      if (window.tryAcquire(1, TimeUnit.SECONDS)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Books books() {
    return books;
  }

  @Override
  public void run() throws InterruptedException {
    Semaphore window = new Semaphore(WINDOW);
    long faults = 0;
    for (long n = 0; n < jobs && System.nanoTime() < deadlineNanos; n++) {
      if (n % faultEvery == faultEvery - 1) {
        Fault fault = Fault.nth(faults++);
        if (fault == Fault.SIGKILL) {
          List<ProcessHandle> children = serve.children();
          if (!children.isEmpty()
              && children
                  .get(ThreadLocalRandom.current().nextInt(children.size()))
                  .destroyForcibly()) {
            books.sigkills.incrementAndGet();
          }
          continue;
        }
        if (!acquire(window)) {
          break;
        }
        books.faultJobs.incrementAndGet();
        send(fault.jobType, fault.payload, fault, window);
        continue;
      }
      if (!acquire(window)) {
        break;
      }
      send("echo", "H-" + n, null, window);
    }
    if (!window.tryAcquire(WINDOW, 120, TimeUnit.SECONDS)) {
      books.note((WINDOW - window.availablePermits()) + " requests still open 120 s after the end");
    }
  }

  private void send(String type, String body, Fault fault, Semaphore window) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(serve.baseUrl() + "/jobs/" + type))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (fault != null && fault.timeoutMillis > 0) {
      request.header("X-Job-Timeout-Ms", Integer.toString(fault.timeoutMillis));
    }
    books.submitted.incrementAndGet();
    AtomicInteger times = new AtomicInteger();
    client
        .sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, failure) -> {
              int t = times.incrementAndGet();
              try {
                ended(t, body, fault, response, failure);
              } finally {
                if (t == 1) {
                  window.release();
                }
              }
            });
  }

  private void ended(
      int times, String sent, Fault fault, HttpResponse<String> response, Throwable failure) {
    FailureCode code = null;
    String detail = "";
    if (failure != null) {
      // No HTTP answer at all: counted as completed (the caller heard), but no code explains it.
      books.note("request failed: " + failure);
      code = FailureCode.INVALID_REQUEST;
      detail = failure.toString();
    } else if (response.statusCode() != 200) {
      Matcher m = CODE.matcher(response.body());
      detail = response.statusCode() + " " + response.body();
      code = m.find() ? FailureCode.valueOf(m.group(1)) : FailureCode.INVALID_REQUEST;
    }
    if (fault == null) {
      boolean same = code == null && sent.equals(response.body());
      if (code == null && !same) {
        detail = "sent " + sent + " got " + response.body();
      }
      books.echoEnded(times, same, code, detail);
    } else {
      books.faultEnded(times, fault, code, detail);
    }
  }
}
