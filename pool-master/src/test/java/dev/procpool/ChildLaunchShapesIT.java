package dev.procpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children start however the master was started: a master JVM of its own (ShapeProbe) is launched
 * from a plain class path of jars, from exploded class directories, with {@code java -jar} and a
 * {@code Class-Path} manifest, and from a custom URLClassLoader; each runs a job in a real child.
 * None of them serves a demo handler or sets a logging property. (The Spring Boot executable jar is
 * tested by examples/spring-boot, which builds one.)
 */
class ChildLaunchShapesIT {
  private static final String PROBE = "dev.procpool.testing.launch.ShapeProbe";
  private static final String LAUNCHER = "dev.procpool.testing.launch.UrlLoaderLauncher";
  @TempDir static Path work;

  /** The test class path, every entry a jar. */
  private static List<Path> jars;

  @BeforeAll
  static void testClassPathAsJars() throws IOException {
    jars = new ArrayList<>();
    int n = 0;
    for (Path entry : testClassPath()) {
      jars.add(Files.isDirectory(entry) ? jarOf(entry, work.resolve("dir" + n++ + ".jar")) : entry);
    }
  }

  @AfterEach
  void noChildLeft() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void plainClassPathOfJars_childRunsJobs() throws Exception {
    assertServed(run(List.of("-cp", joined(jars), PROBE)));
  }

  @Test
  void explodedClassDirectories_childRunsJobs() throws Exception {
    List<Path> exploded = new ArrayList<>();
    int n = 0;
    for (Path jar : jars) {
      // procpool's own modules and the handlers as directories, the way an IDE runs them
      boolean ours =
          jar.getFileName().toString().startsWith("procpool-")
              || jar.getFileName().toString().startsWith("dir");
      exploded.add(ours ? explode(jar, work.resolve("exploded" + n++)) : jar);
    }
    assertTrue(exploded.stream().anyMatch(Files::isDirectory));
    assertServed(run(List.of("-cp", joined(exploded), PROBE)));
  }

  @Test
  void javaJarWithClassPathManifest_childRunsJobs() throws Exception {
    Path app = work.resolve("app-with-manifest.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, PROBE);
    manifest
        .getMainAttributes()
        .put(
            Attributes.Name.CLASS_PATH,
            String.join(" ", jars.stream().map(j -> j.toUri().toString()).toList()));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(app), manifest)) {
      // the manifest is the whole application jar: every class comes through Class-Path
    }
    assertServed(run(List.of("-jar", app.toString())));
  }

  @Test
  void customUrlClassLoader_childRunsJobs() throws Exception {
    List<String> command =
        new ArrayList<>(List.of("-cp", launcherJar().toString(), LAUNCHER, "url"));
    jars.forEach(j -> command.add(j.toString()));
    command.add("--");
    assertServed(run(command));
  }

  @Test
  void loaderWithoutFiles_startFailsNamingChildMain_overrideStarts() throws Exception {
    List<String> command =
        new ArrayList<>(List.of("-cp", launcherJar().toString(), LAUNCHER, "opaque"));
    jars.forEach(j -> command.add(j.toString()));
    command.add("--");
    Map<String, String> refused = run(command);
    String failure = refused.getOrDefault("start-failed", "");
    assertTrue(failure.startsWith("SPAWN_FAILED"), refused.toString());
    assertTrue(failure.contains("dev.procpool.child.internal.ChildMain"), failure);
    assertTrue(failure.contains("childClasspathOverride"), failure);

    command.add("--override");
    command.add(joined(jars));
    assertServed(run(command));
  }

  private static void assertServed(Map<String, String> out) {
    assertTrue(out.containsKey("child-pid"), "no job ran: " + out);
    assertNotEquals(out.get("master-pid"), out.get("child-pid"), "the job ran in the master");
    assertEquals(
        "UNKNOWN_JOB_TYPE", out.get("ledger.open"), "the library must serve no demo handler");
    assertEquals(
        "UNKNOWN_JOB_TYPE", out.get("ledger.total"), "the library must serve no demo handler");
    assertEquals(
        "null", out.get("logback.configurationFile"), "the library must set no system property");
  }

  /** Runs a master JVM and returns its {@code key=value} lines; fails the test on a bad exit. */
  private static Map<String, String> run(List<String> arguments) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(process.waitFor(90, TimeUnit.SECONDS), "master did not exit");
    assertEquals(0, process.exitValue(), output);
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.contains(" ")) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      } else if (line.startsWith("start-failed=")) {
        values.put("start-failed", line.substring("start-failed=".length()));
      }
    }
    values.put("output", output);
    return values;
  }

  /** The real test class path: failsafe hides it behind a manifest-only jar. */
  private static List<Path> testClassPath() throws IOException {
    List<Path> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      entries.add(path);
      if (path.getFileName().toString().startsWith("surefirebooter")) {
        entries.remove(path);
        try (JarFile jar = new JarFile(path.toFile())) {
          String classPath =
              jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
          for (String url : classPath.trim().split("\\s+")) {
            entries.add(Path.of(java.net.URI.create(url)));
          }
        }
      }
    }
    return entries;
  }

  /** A jar holding only the launcher class, so nothing else is on the JVM's class path. */
  private static Path launcherJar() throws IOException {
    Path jar = work.resolve("launcher.jar");
    if (!Files.exists(jar)) {
      String name = LAUNCHER.replace('.', '/');
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
        for (String entry : List.of(name + ".class", name + "$OpaqueLoader.class")) {
          try (InputStream in =
              ChildLaunchShapesIT.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
          }
        }
      }
    }
    return jar;
  }

  private static Path jarOf(Path dir, Path jar) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(
            new JarEntry(dir.relativize(file).toString().replace(File.separatorChar, '/')));
        Files.copy(file, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  private static Path explode(Path jar, Path dir) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        JarEntry entry = entries.nextElement();
        Path target = dir.resolve(entry.getName()).normalize();
        if (!target.startsWith(dir)) {
          throw new IOException("entry outside the directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          try (InputStream in = file.getInputStream(entry);
              OutputStream out = Files.newOutputStream(target)) {
            in.transferTo(out);
          }
        }
      }
    }
    return dir;
  }

  private static String joined(List<Path> paths) {
    return String.join(File.pathSeparator, paths.stream().map(Path::toString).toList());
  }
}
