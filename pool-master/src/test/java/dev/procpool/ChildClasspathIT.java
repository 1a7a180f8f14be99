package dev.procpool;

import static dev.procpool.testing.Outcomes.text;
import static dev.procpool.testing.Outcomes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procpool.testing.Descendants;
import dev.procpool.testing.HandlerJars;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
  void childClasspath_handlerJarNotOnMasterClasspath_servesItsType(@TempDir Path dir)
      throws Exception {
    Path jar = handlerJar(dir);
    try (ProcessPool pool =
        ProcessPool.builder().children(1).childClasspath(List.of(jar)).start()) {
      assertEquals(
          "HELLO FROM A JAR", text(pool.submit(Job.of("upper", utf8("hello from a jar")))));
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
    return HandlerJars.build(
        dir,
        dir.resolve("handlers.jar"),
        "Upper",
        "upper",
        "return new String(p, java.nio.charset.StandardCharsets.UTF_8).toUpperCase().getBytes(java.nio.charset.StandardCharsets.UTF_8);");
  }
}
