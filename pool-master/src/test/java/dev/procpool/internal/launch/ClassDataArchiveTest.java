package dev.procpool.internal.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataArchiveTest {
  private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

  private static ClassDataArchive in(Path dir, Path jar) throws IOException {
    return ClassDataArchive.in(dir, jar.toString(), JAVA);
  }

  @Test
  void newDirectory_isCreatedPrivate(@TempDir Path tmp) throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    Path cds = tmp.resolve("data/cds");
    in(cds, jar);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cds)));
  }

  @Test
  void groupWritableDirectory_isRefused(@TempDir Path tmp) throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    Path cds = Files.createDirectory(tmp.resolve("cds"));
    Files.setPosixFilePermissions(cds, PosixFilePermissions.fromString("rwxrwx---"));
    IOException e = assertThrows(IOException.class, () -> in(cds, jar));
    assertTrue(e.getMessage().contains("open to group or others"), e.getMessage());
  }

  @Test
  void linkedDirectory_isRefused(@TempDir Path tmp) throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    Path real = Files.createDirectory(tmp.resolve("real"));
    Path cds = Files.createSymbolicLink(tmp.resolve("cds"), real);
    assertThrows(IOException.class, () -> in(cds, jar));
  }

  @Test
  void plantedArchive_thatOthersMayWrite_isNeitherLoadedNorReplaced(@TempDir Path tmp)
      throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    Path cds = tmp.resolve("cds");
    ClassDataArchive archive = in(cds, jar);
    Files.writeString(archive.archive(), "not an archive");
    Files.setPosixFilePermissions(archive.archive(), PosixFilePermissions.fromString("rw-rw-rw-"));
    assertEquals(List.of(), archive.optionsFor(1));
  }

  @Test
  void linkedArchive_isNotLoaded(@TempDir Path tmp) throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    ClassDataArchive archive = in(tmp.resolve("cds"), jar);
    Path elsewhere = Files.writeString(tmp.resolve("elsewhere.jsa"), "x");
    Files.createSymbolicLink(archive.archive(), elsewhere);
    assertEquals(List.of(), archive.optionsFor(1));
  }

  @Test
  void ownArchive_isLoaded(@TempDir Path tmp) throws IOException {
    Path jar = Files.createFile(tmp.resolve("app.jar"));
    ClassDataArchive archive = in(tmp.resolve("cds"), jar);
    Files.writeString(archive.archive(), "x");
    Files.setPosixFilePermissions(archive.archive(), PosixFilePermissions.fromString("rw-------"));
    List<String> options = archive.optionsFor(1);
    assertEquals(1, options.size());
    assertTrue(options.get(0).endsWith(archive.archive().toString()), options.toString());
  }
}
