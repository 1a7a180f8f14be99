package dev.procpool.internal.launch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What of the host a JVM needs to run, and nothing more: its JDK's home, the directories its JDK
 * links out to (Debian keeps {@code conf/} in {@code /etc/java-17-openjdk} and {@code cacerts} in
 * {@code /etc/ssl/certs/java}), and the shared-library directories ({@code libc}, {@code libz}),
 * with {@code /lib}-style links recreated as the host has them. No {@code /usr/bin}, so no shell.
 * Worked out once per pool, at start (blocking file IO).
 */
final class SystemBinds {
  /** Enough for any JDK (~600 entries); a bound so a strange home cannot stall the start. */
  private static final int MAX_JDK_ENTRIES = 20_000;

  private SystemBinds() {}

  /** bwrap's {@code --symlink} pairs recreating the host's {@code /lib}-style links. */
  static List<String> links() throws IOException {
    List<String> args = new ArrayList<>();
    for (String top : List.of("/lib", "/lib64", "/lib32", "/libx32")) {
      Path path = Path.of(top);
      if (Files.isSymbolicLink(path)) {
        args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
      }
    }
    return args;
  }

  /** bwrap's bind triples for {@code jdkHome} and the host's libraries, read-only. */
  static List<String> binds(Path jdkHome) throws IOException {
    List<String> args = new ArrayList<>();
    for (String top : List.of("/lib", "/lib64", "/lib32", "/libx32")) {
      Path path = Path.of(top);
      if (!Files.isSymbolicLink(path) && Files.isDirectory(path)) {
        args.addAll(List.of("--ro-bind", top, top));
      }
    }
    for (Path lib : libraryDirectories()) {
      args.addAll(List.of("--ro-bind", lib.toString(), lib.toString()));
    }
    args.addAll(List.of("--ro-bind", jdkHome.toString(), jdkHome.toString()));
    for (Path outside : linkedFrom(jdkHome)) {
      args.addAll(List.of("--ro-bind", outside.toString(), outside.toString()));
    }
    return args;
  }

  /** {@code /usr/lib64} and {@code /usr/lib/<multiarch>}: where merged-/usr hosts keep libc. */
  private static List<Path> libraryDirectories() throws IOException {
    List<Path> dirs = new ArrayList<>();
    Path lib64 = Path.of("/usr/lib64");
    if (Files.isDirectory(lib64, LinkOption.NOFOLLOW_LINKS)) {
      dirs.add(lib64);
    }
    Path usrLib = Path.of("/usr/lib");
    if (Files.isDirectory(usrLib)) {
      try (Stream<Path> entries = Files.list(usrLib)) {
        entries
            .filter(p -> p.getFileName().toString().matches("[a-z0-9_]+-linux-[a-z0-9_]+"))
            .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
            .sorted()
            .forEach(dirs::add);
      }
    }
    return dirs;
  }

  /**
   * The directories that links inside the JDK point into, outside it, each once and none inside
   * another (a link to {@code /etc/java-17-openjdk/x} binds {@code /etc/java-17-openjdk}).
   */
  static List<Path> linkedFrom(Path jdkHome) throws IOException {
    TreeSet<Path> targets = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(jdkHome).limit(MAX_JDK_ENTRIES)) {
      for (Path link : (Iterable<Path>) walk.filter(Files::isSymbolicLink)::iterator) {
        Path target;
        try {
          target = link.toRealPath();
        } catch (IOException dangling) {
          continue; // Debian's src.zip and friends: nothing to bind
        }
        if (!target.startsWith(jdkHome) && target.getParent() != null) {
          targets.add(Files.isDirectory(target) ? target : target.getParent());
        }
      }
    }
    List<Path> outermost = new ArrayList<>();
    for (Path target : targets) { // sorted: a parent comes before what it holds
      if (outermost.isEmpty() || !target.startsWith(outermost.get(outermost.size() - 1))) {
        outermost.add(target);
      }
    }
    return outermost;
  }
}
