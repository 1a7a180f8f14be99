package dev.procpool.server.cli;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code procpool status|restart|resize N} against a running server, like {@code pm2 ls|reload|scale}.
 * Exit status: 0 done, 1 the server refused or failed, 3 the server could not be reached.
 */
final class AdminCommands {
  static final int UNREACHABLE = 3;

  private AdminCommands() {}

  /** Where the server is and how to prove we may steer it. */
  static final class Target {
    @Option(names = "--url", description = "The server. Default: ${DEFAULT-VALUE}.")
    String url = "http://127.0.0.1:8080";

    @Option(names = "--token-file", description = "The admin token file. Default: ${DEFAULT-VALUE}.")
    Path tokenFile = Path.of("procpool-data", "admin-token");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    int call(String method, String path, String body, boolean admin, java.util.function.Consumer<String> onOk) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMinutes(5))
              .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (admin) {
        request.header("Authorization", "Bearer " + SecretFile.read(tokenFile));
      }
      HttpResponse<String> response;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        System.err.println("procpool: cannot reach " + url + ": " + e.getMessage());
        return UNREACHABLE;
      }
      if (response.statusCode() != 200) {
        System.err.println("procpool: " + response.statusCode() + " " + response.body());
        return 1;
      }
      onOk.accept(response.body());
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the children and the queue of a running server.")
  static final class Status implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() throws Exception {
      return target.call("GET", "/status", null, false, body -> System.out.print(table(body)));
    }
  }

  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Replace every child, one at a time, losing no job.")
  static final class Restart implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() throws Exception {
      return target.call("POST", "/admin/restart", "", true, body -> System.out.print("restarted\n" + table(body)));
    }
  }

  @Command(name = "resize", mixinStandardHelpOptions = true, description = "Grow or shrink the pool; running jobs are never cut short.")
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
      return target.call("POST", "/admin/children", Integer.toString(children), true,
          body -> System.out.print("resized to " + children + "\n" + table(body)));
    }
  }

  private static final Pattern CHILD = Pattern.compile(
      "\\{\"id\":(\\d+),\"pid\":(-?\\d+),\"state\":\"(\\w+)\",\"jobsDone\":(\\d+),\"jobType\":(null|\"[^\"]*\"),\"jobMillis\":(\\d+),\"uptimeMillis\":(\\d+)[^}]*\\}");
  private static final Pattern FIELD = Pattern.compile("\"(queued|busy|idle|healthy)\":(\\w+)");

  /** Renders the server's status JSON as a small table. */
  static String table(String json) {
    StringBuilder out = new StringBuilder(String.format("%-4s %-8s %-9s %9s  %-18s %8s %9s%n", "ID", "PID", "STATE", "JOBS", "RUNNING", "FOR ms", "UP s"));
    Matcher child = CHILD.matcher(json);
    while (child.find()) {
      String job = child.group(5).equals("null") ? "-" : child.group(5).replace("\"", "");
      out.append(String.format("%-4s %-8s %-9s %9s  %-18s %8s %9d%n", child.group(1), child.group(2), child.group(3),
          child.group(4), job, job.equals("-") ? "-" : child.group(6), Long.parseLong(child.group(7)) / 1000));
    }
    Matcher field = FIELD.matcher(json);
    StringBuilder summary = new StringBuilder();
    while (field.find()) {
      summary.append(field.group(1)).append('=').append(field.group(2)).append(' ');
    }
    return out.append(summary.toString().trim()).append('\n').toString();
  }
}
