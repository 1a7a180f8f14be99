package dev.procpool.internal.launch;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * How a child JVM loads {@code ChildMain}: the class path and main class of its command line,
 * worked out from how the master itself was started.
 *
 * <ul>
 *   <li>Plain class path, exploded class directories, or {@code java -jar} with a {@code
 *       Class-Path} manifest: the master's {@code java.class.path} serves the child as it is (the
 *       JVM reads a jar's manifest for {@code -cp} as for {@code -jar}).
 *   <li>A custom class loader ({@code mvn exec:java}, an application server, a plugin host): the
 *       {@link URLClassLoader} chain above procpool's classes, then the jar or directory of each
 *       class the child needs and of each {@code JobHandler} service file.
 *   <li>A Spring Boot executable jar (procpool inside {@code BOOT-INF/lib}): the child runs the
 *       same jar through Boot's {@code PropertiesLauncher} with {@code loader.main=ChildMain}, so
 *       it sees {@code BOOT-INF/classes} and every nested jar, as the application does.
 * </ul>
 *
 * <p>Anything it cannot turn into a file is reported by {@link #resolve}, naming the class and
 * where it was loaded from, so {@code start()} fails with {@code SPAWN_FAILED} instead of children
 * dying at start-up one after another. An explicit override skips all of this.
 *
 * <p>Immutable; {@link #resolve} reads jar manifests, so it runs on the caller's thread, never on
 * the event loop.
 */
public final class ChildEntryPoint {
  static final String CHILD_MAIN = "dev.procpool.child.internal.ChildMain";
  static final String SERVICE_FILE = "META-INF/services/dev.procpool.child.JobHandler";

  /** Spring Boot 3.2+ loader, then the loader of Boot 2.x to 3.1. */
  private static final List<String> BOOT_LAUNCHERS =
      List.of(
          "org.springframework.boot.loader.launch.PropertiesLauncher",
          "org.springframework.boot.loader.PropertiesLauncher");

  /** What a child cannot start without, named by a class of each. */
  private static final List<String> REQUIRED =
      List.of(CHILD_MAIN, "dev.procpool.protocol.Frames", "com.google.protobuf.Message");

  private final String classPath;

  /** JVM options, then the main class: what follows {@code -cp <classPath>} on the command line. */
  private final List<String> mainArguments;

  private ChildEntryPoint(String classPath, List<String> mainArguments) {
    this.classPath = classPath;
    this.mainArguments = List.copyOf(mainArguments);
  }

  /**
   * Works out the children's entry point.
   *
   * @param override the whole class path, when the user gave one; empty to work it out
   * @param extra entries appended either way ({@code childClasspath})
   * @param anchor a class of procpool's that the application loaded
   * @throws IllegalStateException naming what could not be found
   */
  public static ChildEntryPoint resolve(List<Path> override, List<Path> extra, Class<?> anchor) {
    ClassLoader loader = applicationLoader(anchor);
    if (!override.isEmpty()) {
      return plain(join(override, extra));
    }
    URL childMain = location(loader, CHILD_MAIN);
    Path bootJar = childMain == null ? null : springBootJar(childMain);
    if (bootJar != null) {
      return springBoot(bootJar, extra);
    }
    Set<Path> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(Path.of(entry).toAbsolutePath().normalize());
      }
    }
    if (loader == ClassLoader.getSystemClassLoader() && childMain != null) {
      // The JVM's own class path: the child sees exactly what the master sees. Nothing is added,
      // so a class path of jars stays one (AppCDS needs that).
      return plain(join(new ArrayList<>(entries), extra));
    }
    List<String> missing = new ArrayList<>();
    urlClassLoaderChain(loader, entries);
    for (String className : REQUIRED) {
      addRoot(location(loader, className), className, entries, missing);
    }
    try {
      for (URL serviceFile : Collections.list(loader.getResources(SERVICE_FILE))) {
        addRoot(
            serviceRoot(serviceFile), "the handlers listed in " + serviceFile, entries, missing);
      }
    } catch (IOException e) {
      missing.add("the JobHandler service files (" + e + ")");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "cannot work out the children's class path: no jar or directory for "
              + String.join("; ", missing)
              + ". Set childClasspathOverride(...) to the jars the children need.");
    }
    entries.removeIf(path -> !Files.exists(path));
    return plain(join(new ArrayList<>(entries), extra));
  }

  /**
   * The class loader whose classes the children should see: the caller's context loader when it
   * sees procpool itself (a web app, {@code mvn exec:java}), else the one that loaded procpool.
   */
  private static ClassLoader applicationLoader(Class<?> anchor) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    try {
      if (context != null && context.loadClass(anchor.getName()) == anchor) {
        return context;
      }
    } catch (ClassNotFoundException | LinkageError e) {
      // The context loader cannot see procpool: use procpool's own.
    }
    return anchor.getClassLoader();
  }

  /** The class path on the child's command line (also the key of its AppCDS archive). */
  public String classPath() {
    return classPath;
  }

  /** What follows {@code -cp classPath()}: JVM options, then the main class. */
  List<String> mainArguments() {
    return mainArguments;
  }

  private static ChildEntryPoint plain(List<Path> entries) {
    return new ChildEntryPoint(pathString(entries), List.of(CHILD_MAIN));
  }

  private static ChildEntryPoint springBoot(Path bootJar, List<Path> extra) {
    String launcher = bootLauncher(bootJar);
    List<String> arguments = new ArrayList<>();
    arguments.add("-Dloader.main=" + CHILD_MAIN);
    if (!extra.isEmpty()) {
      // PropertiesLauncher adds these after BOOT-INF/classes and BOOT-INF/lib, in its own loader,
      // so their handlers see the JobHandler interface from the nested procpool-child jar.
      arguments.add(
          "-Dloader.path=" + String.join(",", extra.stream().map(Path::toString).toList()));
    }
    arguments.add(launcher);
    return new ChildEntryPoint(bootJar.toString(), arguments);
  }

  private static String bootLauncher(Path bootJar) {
    try (JarFile jar = new JarFile(bootJar.toFile())) {
      for (String launcher : BOOT_LAUNCHERS) {
        if (jar.getEntry(launcher.replace('.', '/') + ".class") != null) {
          return launcher;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the Spring Boot jar " + bootJar + ": " + e, e);
    }
    throw new IllegalStateException(
        "procpool runs from inside "
            + bootJar
            + " but the jar has no Spring Boot PropertiesLauncher; "
            + "set childClasspathOverride(...) to the jars the children need");
  }

  /**
   * The outer jar when {@code location} is a jar nested in a Spring Boot executable jar: {@code
   * jar:nested:/app.jar/!BOOT-INF/lib/x.jar!/} (Boot 3.2+) or {@code
   * jar:file:/app.jar!/BOOT-INF/lib/x.jar!/} (older loaders); otherwise null.
   */
  static Path springBootJar(URL location) {
    String url = location.toString();
    String outer;
    if (url.startsWith("jar:nested:") && url.contains("/!")) {
      outer = url.substring("jar:nested:".length(), url.indexOf("/!"));
    } else if (url.startsWith("jar:file:") && url.contains("!/BOOT-INF/")) {
      outer = url.substring("jar:file:".length(), url.indexOf("!/BOOT-INF/"));
    } else {
      return null;
    }
    // Percent-escapes, not form encoding: a '+' in a path is a plus sign.
    return Path.of(URLDecoder.decode(outer.replace("+", "%2B"), StandardCharsets.UTF_8));
  }

  /**
   * Adds the URLs of every {@link URLClassLoader} from {@code loader} up, parents first (their
   * classes win, as in the master). The JDK's own application loader is not one; its entries came
   * from {@code java.class.path}.
   */
  private static void urlClassLoaderChain(ClassLoader loader, Set<Path> entries) {
    List<URLClassLoader> chain = new ArrayList<>();
    for (ClassLoader l = loader; l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader) {
        chain.add((URLClassLoader) l);
      }
    }
    Collections.reverse(chain);
    for (URLClassLoader l : chain) {
      for (URL url : l.getURLs()) {
        Path path = file(url);
        if (path != null) {
          entries.add(path);
        }
      }
    }
  }

  private static void addRoot(URL root, String what, Set<Path> entries, List<String> missing) {
    Path path = root == null ? null : file(root);
    if (path == null) {
      missing.add(what + (root == null ? " (not found)" : " (loaded from " + root + ")"));
    } else {
      entries.add(path);
    }
  }

  /**
   * Where a class was loaded from: its code source, or the root of its class file as a resource.
   */
  private static URL location(ClassLoader loader, String className) {
    try {
      CodeSource source =
          Class.forName(className, false, loader).getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        return source.getLocation();
      }
    } catch (ClassNotFoundException | LinkageError | SecurityException e) {
      return null;
    }
    String resource = className.replace('.', '/') + ".class";
    URL url = loader.getResource(resource);
    return url == null ? null : rootOf(url, resource);
  }

  private static URL serviceRoot(URL serviceFile) {
    return rootOf(serviceFile, SERVICE_FILE);
  }

  /**
   * {@code jar:file:/x.jar!/a/b} → {@code file:/x.jar}; {@code file:/dir/a/b} → {@code file:/dir/}.
   */
  private static URL rootOf(URL resourceUrl, String resource) {
    String url = resourceUrl.toString();
    try {
      if (url.startsWith("jar:file:") && url.endsWith("!/" + resource)) {
        return new URL(url.substring("jar:".length(), url.length() - resource.length() - 2));
      }
      if (url.startsWith("file:") && url.endsWith(resource)) {
        return new URL(url.substring(0, url.length() - resource.length()));
      }
      if (url.startsWith("jar:") && url.endsWith("!/" + resource)) {
        return new URL(url.substring(0, url.length() - resource.length()));
      }
    } catch (IOException e) {
      return resourceUrl;
    }
    return resourceUrl;
  }

  /**
   * The file behind a {@code file:} URL, or null for anything else (nested jars, memory, network).
   */
  private static Path file(URL url) {
    if (!"file".equals(url.getProtocol())) {
      return null;
    }
    try {
      return Path.of(url.toURI()).toAbsolutePath().normalize();
    } catch (URISyntaxException | IllegalArgumentException e) {
      try {
        return Path.of(URI.create(url.toString().replace(" ", "%20"))).toAbsolutePath().normalize();
      } catch (IllegalArgumentException again) {
        return null;
      }
    }
  }

  private static List<Path> join(List<Path> first, List<Path> second) {
    List<Path> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static String pathString(List<Path> entries) {
    return String.join(File.pathSeparator, entries.stream().map(Path::toString).toList());
  }
}
