package dev.procpool.testing.launch;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A custom launcher like {@code mvn exec:java} or a plugin host: the application's jars are not on
 * {@code java.class.path} but in a {@link URLClassLoader} it builds.
 *
 * <p>Arguments: {@code url|opaque}, then the jars, then {@code --}, then the probe's arguments.
 * With {@code opaque}, classes are defined from bytes with no code source and no resources: a
 * loader procpool cannot map back to files, to test the error and the override.
 */
public final class UrlLoaderLauncher {
  public static void main(String[] args) throws Exception {
    int split = Arrays.asList(args).indexOf("--");
    List<URL> urls = new ArrayList<>();
    for (String jar : Arrays.asList(args).subList(1, split)) {
      urls.add(Path.of(jar).toUri().toURL());
    }
    String[] probeArgs = Arrays.copyOfRange(args, split + 1, args.length);
    try (URLClassLoader files =
        new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
      ClassLoader loader = args[0].equals("opaque") ? new OpaqueLoader(files) : files;
      Thread.currentThread().setContextClassLoader(loader);
      loader
          .loadClass("dev.procpool.testing.launch.ShapeProbe")
          .getMethod("main", String[].class)
          .invoke(null, (Object) probeArgs);
    }
  }

  /** Defines every class itself from bytes: no code source, no resources, no URLs. */
  private static final class OpaqueLoader extends ClassLoader {
    private final URLClassLoader hidden;

    OpaqueLoader(URLClassLoader hidden) {
      super(ClassLoader.getPlatformClassLoader());
      this.hidden = hidden;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      try (java.io.InputStream in = hidden.getResourceAsStream(name.replace('.', '/') + ".class")) {
        if (in == null) {
          throw new ClassNotFoundException(name);
        }
        byte[] bytes = in.readAllBytes();
        return defineClass(name, bytes, 0, bytes.length);
      } catch (java.io.IOException e) {
        throw new ClassNotFoundException(name, e);
      }
    }
  }
}
