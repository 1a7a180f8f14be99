package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.testing.Descendants;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User handlers from a jar the master never loads, and recycling children after N jobs. */
class ChildClasspathIT {

  @AfterEach
  void noChildOutlivesItsPool() {
    assertEquals(List.of(), Descendants.alive());
  }

  @Test
  void childClasspath_handlerJarNotOnMasterClasspath_servesItsType(@TempDir Path dir) throws Exception {
    Path jar = handlerJar(dir);
    try (ProcessPool pool = ProcessPool.builder().children(1).childClasspath(List.of(jar)).start()) {
      assertEquals("HELLO FROM A JAR", text(pool.submit(Job.of("upper", utf8("hello from a jar")))));
    }
  }

  @Test
  void maxJobsPerChild_childReplacedAfterItsShare_noJobLost() throws Exception {
    try (ProcessPool pool = ProcessPool.builder().children(1).maxJobsPerChild(3).start()) {
      Set<String> pids = new HashSet<>();
      for (int i = 0; i < 9; i++) {
        pids.add(text(pool.submit(Job.of("pid", new byte[0]))));
      }
      assertEquals(3, pids.size(), "a new child every 3 jobs: " + pids);
    }
  }

  /** Compiles a JobHandler from source into a jar with its service file, like a user would ship. */
  private static Path handlerJar(Path dir) throws Exception {
    Path src = dir.resolve("src/ext/Upper.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "package ext;\n"
            + "public final class Upper implements dev.procpool.child.JobHandler {\n"
            + "  public String type() { return \"upper\"; }\n"
            + "  public byte[] handle(byte[] p, dev.procpool.child.JobContext c) {\n"
            + "    return new String(p, java.nio.charset.StandardCharsets.UTF_8).toUpperCase()\n"
            + "        .getBytes(java.nio.charset.StandardCharsets.UTF_8);\n"
            + "  }\n"
            + "}\n");
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status =
        javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString());
    assertEquals(0, status, "handler compiles");
    Path jar = dir.resolve("handlers.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("ext/Upper.class"));
      out.write(Files.readAllBytes(classes.resolve("ext/Upper.class")));
      out.closeEntry();
      out.putNextEntry(new JarEntry("META-INF/services/dev.procpool.child.JobHandler"));
      out.write("ext.Upper\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    assertTrue(Files.size(jar) > 0);
    return jar;
  }

}
