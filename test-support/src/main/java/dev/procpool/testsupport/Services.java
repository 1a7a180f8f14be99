package dev.procpool.testsupport;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds each outside service from an environment (a map, so tests can give their own) and applies
 * the rule through {@link Verdict}. Stateless but for the {@link Containers} it may start.
 */
final class Services {
  static final String AMQP_ENV = "PROCPOOL_TEST_AMQP_URL";
  static final String AMQP_DEFAULT = "amqp://127.0.0.1:5672";
  static final String PG_ENV = "PROCPOOL_TEST_PG_URL";
  static final String PG_DEFAULT = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  static final String CHROMIUM_ENV = "PROCPOOL_TEST_CHROMIUM";
  static final String JAVA25_ENV = "PROCPOOL_TEST_JAVA25";
  static final String BWRAP_ENV = "PROCPOOL_TEST_BWRAP";

  private static final List<String> CHROMIUM_PATHS =
      List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
  private static final Pattern JDBC_HOST_PORT =
      Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?");

  private final Map<String, String> env;
  private final Containers containers;
  private final Verdict verdict;

  Services(Map<String, String> env, Containers containers) {
    this.env = env;
    this.containers = containers;
    this.verdict = new Verdict(underCi(env));
  }

  static boolean underCi(Map<String, String> env) {
    String ci = env.get("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
  }

  boolean underCi() {
    return verdict.underCi();
  }

  OutsideServices.Amqp rabbitmq() {
    String how =
        "set "
            + AMQP_ENV
            + ", start a broker on 127.0.0.1:5672 (.ci/run does), or run a Docker engine";
    String named = value(AMQP_ENV);
    if (named != null) {
      URI uri = URI.create(named);
      int port = uri.getPort() > 0 ? uri.getPort() : 5672;
      if (!Listening.at(uri.getHost(), port)) {
        throw verdict.missing("RabbitMQ", AMQP_ENV + "=" + named + ": nothing listens there", how);
      }
      return new OutsideServices.Amqp(named);
    }
    if (Listening.at("127.0.0.1", 5672)) {
      return new OutsideServices.Amqp(AMQP_DEFAULT);
    }
    if (containers.dockerAvailable()) {
      return containers.rabbitmq();
    }
    throw verdict.missing(
        "RabbitMQ", "no " + AMQP_ENV + ", nothing on 127.0.0.1:5672, no Docker", how);
  }

  OutsideServices.Postgres postgres() {
    String how =
        "set "
            + PG_ENV
            + " (e.g. "
            + PG_DEFAULT
            + "), start PostgreSQL on 127.0.0.1:5432 (.ci/run does), or run a Docker engine";
    String named = value(PG_ENV);
    if (named != null) {
      Matcher hostPort = JDBC_HOST_PORT.matcher(named);
      boolean listening =
          hostPort.find()
              && Listening.at(
                  hostPort.group(1),
                  hostPort.group(2) == null ? 5432 : Integer.parseInt(hostPort.group(2)));
      if (!listening) {
        throw verdict.missing("PostgreSQL", PG_ENV + "=" + named + ": nothing listens there", how);
      }
      return new OutsideServices.Postgres(named);
    }
    if (Listening.at("127.0.0.1", 5432)) {
      return new OutsideServices.Postgres(PG_DEFAULT);
    }
    if (containers.dockerAvailable()) {
      return containers.postgres();
    }
    throw verdict.missing(
        "PostgreSQL", "no " + PG_ENV + ", nothing on 127.0.0.1:5432, no Docker", how);
  }

  Path chromium() {
    return executable(
        "Chromium",
        CHROMIUM_ENV,
        CHROMIUM_PATHS.stream().map(Path::of).filter(Files::isExecutable).findFirst(),
        "install it (apt-get install chromium; .ci/run does) or set " + CHROMIUM_ENV);
  }

  Path java25() {
    return executable(
        "a JDK 25+",
        JAVA25_ENV,
        Optional.empty(),
        "set "
            + JAVA25_ENV
            + " to its bin/java (benchmarks/find-java25.sh finds one under /usr/lib/jvm; .ci/run"
            + " sets it)");
  }

  Path bubblewrap() {
    return executable(
        "bubblewrap",
        BWRAP_ENV,
        onPath("bwrap"),
        "install it (apt-get install bubblewrap; .ci/run does) or set " + BWRAP_ENV);
  }

  /** The file named by {@code variable}, else {@code fallback}; either must be executable. */
  private Path executable(String service, String variable, Optional<Path> fallback, String how) {
    String named = value(variable);
    if (named != null) {
      Path path = Path.of(named);
      if (!Files.isExecutable(path)) {
        throw verdict.missing(service, variable + "=" + named + " is not an executable", how);
      }
      return path;
    }
    return fallback.orElseThrow(
        () -> verdict.missing(service, "no " + variable + " and none installed", how));
  }

  private Optional<Path> onPath(String name) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Optional.of(Path.of(dir, name));
      }
    }
    return Optional.empty();
  }

  private String value(String variable) {
    String value = env.get(variable);
    return value == null || value.isBlank() ? null : value.trim();
  }
}
