package dev.procpool.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJdkTest {

  @Test
  void featureFromVersionStrings() {
    assertEquals(25, ChildJdk.feature("25.0.1"));
    assertEquals(17, ChildJdk.feature("17"));
    assertEquals(8, ChildJdk.feature("1.8.0_392"));
    assertEquals(21, ChildJdk.feature("21-ea"));
    assertEquals(0, ChildJdk.feature(""));
  }

  @Test
  void readsTheReleaseFileOfTheJavaGiven(@TempDir Path home) throws Exception {
    Files.createDirectories(home.resolve("bin"));
    Path java = Files.createFile(home.resolve("bin").resolve("java"));
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"25.0.1\"\n");
    ChildJdk jdk = ChildJdk.of(java);
    assertEquals(25, jdk.feature());
    assertEquals("25.0.1", jdk.version());
  }

  @Test
  void ownJdkWithoutReleaseFileIsStillKnown() {
    ChildJdk jdk = ChildJdk.of(Path.of(System.getProperty("java.home"), "bin", "java"));
    assertEquals(Runtime.version().feature(), jdk.feature());
  }

  @Test
  void unknownJavaIsFeatureZero(@TempDir Path dir) {
    assertEquals(0, ChildJdk.of(dir.resolve("bin").resolve("java")).feature());
  }
}
