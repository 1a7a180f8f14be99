package dev.procpool.internal.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The JDK the children run on, read from its {@code release} file (no process started: this runs
 * while the pool starts). A {@code java} whose home has no readable release file counts as the
 * master's own JDK when it is that one, else as unknown (feature 0).
 *
 * @param home the JDK's home directory
 * @param version its full version, for example {@code 25.0.1}, or empty when unknown
 * @param feature its feature release, for example 25, or 0 when unknown
 */
record ChildJdk(Path home, String version, int feature) {

  static ChildJdk of(Path javaExecutable) {
    Path home = home(javaExecutable);
    Path release = home.resolve("release");
    try (var in = Files.newBufferedReader(release, StandardCharsets.UTF_8)) {
      Properties fields = new Properties();
      fields.load(in);
      String version = fields.getProperty("JAVA_VERSION", "").replace("\"", "").trim();
      return new ChildJdk(home, version, feature(version));
    } catch (IOException | IllegalArgumentException e) {
      Path own = Path.of(System.getProperty("java.home")).toAbsolutePath().normalize();
      if (home.equals(own)) {
        return new ChildJdk(home, Runtime.version().toString(), Runtime.version().feature());
      }
      return new ChildJdk(home, "", 0);
    }
  }

  private static Path home(Path javaExecutable) {
    Path java = javaExecutable.toAbsolutePath();
    try {
      java = java.toRealPath(); // follow /usr/bin/java-style links to the JDK itself
    } catch (IOException e) {
      // Not there (yet): the launch will say so; the path as given is the best key.
    }
    Path bin = java.getParent();
    Path home = bin == null ? null : bin.getParent();
    return (home == null ? java : home).normalize();
  }

  /** "25.0.1" → 25, "1.8.0_392" → 8, "17" → 17; anything else → 0. */
  static int feature(String version) {
    String[] parts = version.split("[._+-]");
    try {
      int first = Integer.parseInt(parts[0]);
      return first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
