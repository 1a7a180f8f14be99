package dev.procpool.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar procpool.jar <command>}. Bad flags print one line and exit with status 2; no
 * stack traces for user mistakes.
 */
@Command(
    name = "procpool",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description =
        "A pool of persistent child JVMs for blocking work, behind a non-blocking master.",
    subcommands = {
      ServeCommand.class,
      AdminCommands.Status.class,
      AdminCommands.Restart.class,
      AdminCommands.Resize.class
    })
public final class Main implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Logging for the server and, through ChildMain, its children; an explicit choice wins. */
  static final String LOGBACK_CONFIG = "procpool-logback.xml";

  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit status, without exiting. */
  public static int run(String... args) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          PrintWriter err = e.getCommandLine().getErr();
          err.println("procpool: " + e.getMessage() + " (try --help)");
          err.flush();
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (e, cl, parsed) -> {
          // A failure the command did not expect: one line that names the cause, never "null".
          cl.getErr().println("procpool: " + AdminCommands.why(e));
          cl.getErr().flush();
          return 1;
        });
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
