package dev.procpool.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds a user's handler jar at test time: compiled from source, with its service file. */
public final class HandlerJars {
  private HandlerJars() {}

  /**
   * Writes {@code jar} (atomically replacing it) holding {@code ext.<className>}, a JobHandler of
   * {@code type} whose {@code handle} body is {@code handleBody} (it sees {@code byte[] p}).
   */
  public static Path build(Path workDir, Path jar, String className, String type, String handleBody)
      throws Exception {
    Path src =
        workDir.resolve("src-" + System.nanoTime()).resolve("ext").resolve(className + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "package ext;\n"
            + "public final class "
            + className
            + " implements dev.procpool.child.JobHandler {\n"
            + "  public String type() { return \""
            + type
            + "\"; }\n"
            + "  public byte[] handle(byte[] p, dev.procpool.child.JobContext c) {\n"
            + "    "
            + handleBody
            + "\n"
            + "  }\n"
            + "}\n");
    Path classes = src.getParent().getParent().resolve("classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(
            null,
            null,
            null,
            "-cp",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            src.toString());
    if (status != 0) {
      throw new IllegalStateException("handler did not compile");
    }
    Path staging = workDir.resolve("staging-" + System.nanoTime() + ".jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(staging))) {
      out.putNextEntry(new JarEntry("ext/" + className + ".class"));
      out.write(Files.readAllBytes(classes.resolve("ext").resolve(className + ".class")));
      out.closeEntry();
      out.putNextEntry(new JarEntry("META-INF/services/dev.procpool.child.JobHandler"));
      out.write(("ext." + className + "\n").getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    Files.move(staging, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return jar;
  }
}
