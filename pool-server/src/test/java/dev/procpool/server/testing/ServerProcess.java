package dev.procpool.server.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code procpool} run as a real process from the test class path. */
public final class ServerProcess {
  private ServerProcess() {}

  public static Process launch(Path dir, String... args) throws Exception {
    return launch(dir, java.util.Map.of(), List.of(), args);
  }

  /** With JVM options for the master, e.g. {@code -Xmx160m}. */
  public static Process launch(Path dir, List<String> jvmOptions, String... args) throws Exception {
    return launch(dir, java.util.Map.of(), jvmOptions, args);
  }

  /**
   * With extra environment variables and JVM options for the server (and, inherited, its children).
   */
  public static Process launch(
      Path dir, java.util.Map<String, String> environment, List<String> jvmOptions, String... args)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), "dev.procpool.server.cli.Main"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().putAll(environment);
    return builder.redirectErrorStream(true).start();
  }

  /** Reads the output until the port is printed (bounded), then drains it on a daemon thread. */
  public static int awaitPort(Process server) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    StringBuilder seen = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      String line = out.readLine();
      if (line == null) {
        throw new AssertionError("server ended before listening:\n" + seen);
      }
      seen.append(line).append('\n');
      Matcher m = listening.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("no port printed:\n" + seen);
  }
}
