package dev.procpool.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium driven over the DevTools protocol with the JDK's WebSocket client:
 * navigate, evaluate JavaScript, read results. Enough to use a page as a person would. The binary
 * comes from {@code OutsideServices.chromium()}.
 */
public final class HeadlessChromium implements AutoCloseable {
  private final Process process;
  private final Path profile;
  private final WebSocket page;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

  public HeadlessChromium(Path binary) throws Exception {
    profile = Files.createTempDirectory("pp-chromium-");
    process =
        new ProcessBuilder(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new IOException("chromium did not open its DevTools port");
      }
      Thread.sleep(50); // waiting for another process to write a file
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String target =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/new?about:blank"))
                    .PUT(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher ws = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"").matcher(target);
    if (!ws.find()) {
      throw new IOException("no page target: " + target);
    }
    page =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(ws.group(1)), new Listener())
            .get(30, TimeUnit.SECONDS);
  }

  public void navigate(String url) throws Exception {
    call("Page.navigate", "{\"url\":\"" + url + "\"}");
  }

  /** Evaluates a JavaScript expression in the page; returns its value as JSON text. */
  public String evaluate(String expression) throws Exception {
    String reply =
        call(
            "Runtime.evaluate",
            "{\"expression\":\""
                + expression.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"returnByValue\":true,\"awaitPromise\":true}");
    Matcher value = Pattern.compile("\"value\":(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]+)").matcher(reply);
    return value.find() ? value.group(1) : "undefined";
  }

  /**
   * Evaluates until the value equals {@code expected}, for up to {@code seconds}; returns the last
   * value.
   */
  public String awaitValue(String expression, String expected, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String value = evaluate(expression);
    while (!value.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(100); // the page updates once a second from its event stream
      value = evaluate(expression);
    }
    return value;
  }

  private String call(String method, String params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<String> reply = new CompletableFuture<>();
    pending.put(id, reply);
    page.sendText(
            "{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
        .get(10, TimeUnit.SECONDS);
    return reply.get(30, TimeUnit.SECONDS);
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        String text = message.toString();
        message.setLength(0);
        Matcher id = Pattern.compile("^\\{\"id\":(\\d+)").matcher(text);
        if (id.find()) {
          CompletableFuture<String> reply = pending.remove(Integer.parseInt(id.group(1)));
          if (reply != null) {
            reply.complete(text);
          }
        }
      }
      webSocket.request(1);
      return null;
    }
  }

  @Override
  public void close() throws Exception {
    page.abort();
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
