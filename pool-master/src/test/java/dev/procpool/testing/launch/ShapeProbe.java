package dev.procpool.testing.launch;

import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A user's application, started by {@code ChildLaunchShapesIT} in each way a master can be started.
 * It runs jobs through a pool of one child and prints {@code key=value} lines: the child's pid, the
 * code of a demo job type, and the logback system property.
 *
 * <p>Arguments: optionally {@code --override <class path>} for {@code childClasspathOverride}.
 */
public final class ShapeProbe {
  public static void main(String[] args) throws Exception {
    PoolBuilderArgs options = PoolBuilderArgs.parse(args);
    var builder = ProcessPool.builder().children(1).name("probe");
    if (!options.override.isEmpty()) {
      builder.childClasspathOverride(options.override);
    }
    try (ProcessPool pool = builder.start()) {
      byte[] pid = pool.submit(Job.of("pid", new byte[0])).get(60, TimeUnit.SECONDS);
      System.out.println("child-pid=" + new String(pid, StandardCharsets.UTF_8));
      System.out.println("master-pid=" + ProcessHandle.current().pid());
      System.out.println("ledger.open=" + outcome(pool, "ledger.open"));
      System.out.println("ledger.total=" + outcome(pool, "ledger.total"));
    } catch (PoolException e) {
      System.out.println("start-failed=" + e.code() + " " + e.getMessage());
    }
    System.out.println(
        "logback.configurationFile=" + System.getProperty("logback.configurationFile"));
  }

  private static String outcome(ProcessPool pool, String type) throws InterruptedException {
    try {
      pool.submit(Job.of(type, "{}".getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
      return "ran";
    } catch (ExecutionException e) {
      return e.getCause() instanceof PoolException
          ? ((PoolException) e.getCause()).code().name()
          : e.getCause().toString();
    } catch (java.util.concurrent.TimeoutException e) {
      return "timeout";
    }
  }

  private record PoolBuilderArgs(List<Path> override) {
    static PoolBuilderArgs parse(String[] args) {
      List<Path> override = new ArrayList<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        if (args[i].equals("--override")) {
          for (String entry : args[i + 1].split(File.pathSeparator)) {
            override.add(Path.of(entry));
          }
        }
      }
      return new PoolBuilderArgs(override);
    }
  }
}
