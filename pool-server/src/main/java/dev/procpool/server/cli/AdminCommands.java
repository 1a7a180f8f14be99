package dev.procpool.server.cli;

import dev.procpool.server.http.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code procpool status|restart|resize N} against a running server, like {@code pm2
 * ls|reload|scale}. Exit status: 0 done, 1 the server refused or failed, 3 the server could not be
 * reached.
 */
final class AdminCommands {
  static final int UNREACHABLE = 3;

  private AdminCommands() {}

  /** The cause in words: the JDK's HTTP client often throws with no message at all. */
  static String why(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return "connection refused (is the server running, on this port?)";
      }
      if (c instanceof java.net.http.HttpConnectTimeoutException) {
        return "timed out connecting";
      }
      if (c instanceof java.net.http.HttpTimeoutException) {
        return "timed out waiting for the answer";
      }
      if (c instanceof java.nio.channels.UnresolvedAddressException
          || c instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message != null && !message.isBlank()
        ? message
        : cause
            .getClass()
            .getSimpleName()
            .replaceAll("([a-z])([A-Z])", "$1 $2")
            .toLowerCase(java.util.Locale.ROOT);
  }

  /** What to do with a 200 answer's body. */
  interface Answer {
    void accept(String body) throws IOException;
  }

  /** Where the server is and how to prove we may steer it. */
  static final class Target {
    @Option(names = "--url", description = "The server. Default: ${DEFAULT-VALUE}.")
    String url = "http://127.0.0.1:8080";

    @Option(
        names = "--token-file",
        description = "The admin token file. Default: ${DEFAULT-VALUE}.")
    Path tokenFile = Path.of("procpool-data", "admin-token");

    private final HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    int call(String method, String path, String body, boolean admin, Answer onOk) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url + path))
              .timeout(Duration.ofMinutes(5))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      if (admin) {
        request.header("Authorization", "Bearer " + SecretFile.read(tokenFile));
      }
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        System.err.println("procpool: cannot reach " + url + ": " + why(e));
        return UNREACHABLE;
      } catch (IllegalArgumentException e) {
        System.err.println("procpool: bad --url " + url + ": " + why(e));
        return 2;
      }
      if (response.statusCode() != 200) {
        System.err.println("procpool: " + response.statusCode() + " " + response.body());
        return 1;
      }
      onOk.accept(response.body());
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show the children and the queue of a running server.")
  static final class Status implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() throws Exception {
      return target.call("GET", "/status", null, false, body -> System.out.print(table(body)));
    }
  }

  @Command(
      name = "restart",
      mixinStandardHelpOptions = true,
      description = "Replace every child, one at a time, losing no job.")
  static final class Restart implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() throws Exception {
      return target.call(
          "POST",
          "/admin/restart",
          "",
          true,
          body -> System.out.print("restarted\n" + table(body)));
    }
  }

  @Command(
      name = "resize",
      mixinStandardHelpOptions = true,
      description = "Grow or shrink the pool; running jobs are never cut short.")
  static final class Resize implements Callable<Integer> {
    @Mixin Target target;

    @Parameters(index = "0", paramLabel = "N", description = "The new number of children (>= 1).")
    int children;

    @Override
    public Integer call() throws Exception {
      if (children < 1) {
        System.err.println("procpool: N must be >= 1: " + children);
        return 2;
      }
      return target.call(
          "POST",
          "/admin/children",
          Integer.toString(children),
          true,
          body -> System.out.print("resized to " + children + "\n" + table(body)));
    }
  }

  /**
   * Renders the server's status document (alone, or under "pool" in an admin answer) as a small
   * table.
   */
  static String table(String json) throws java.io.IOException {
    Map<String, Object> document = Json.readObject(json);
    Map<String, Object> status =
        document.get("pool") instanceof Map ? asObject(document.get("pool")) : document;
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%-4s %-8s %-9s %9s  %-18s %8s %9s%n",
                "ID", "PID", "STATE", "JOBS", "RUNNING", "FOR ms", "UP s"));
    for (Object element : (List<?>) status.getOrDefault("children", List.of())) {
      Map<String, Object> child = asObject(element);
      Object job = child.get("jobType");
      out.append(
          String.format(
              "%-4s %-8s %-9s %9s  %-18s %8s %9d%n",
              child.get("id"),
              child.get("pid"),
              child.get("state"),
              child.get("jobsDone"),
              job == null ? "-" : job,
              job == null ? "-" : child.get("jobMillis"),
              ((Number) child.get("uptimeMillis")).longValue() / 1000));
    }
    StringBuilder summary = new StringBuilder();
    for (String field : List.of("queued", "busy", "idle", "healthy")) {
      summary.append(field).append('=').append(status.get(field)).append(' ');
    }
    return out.append(summary.toString().trim()).append('\n').toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Object value) {
    return (Map<String, Object>) value;
  }
}
