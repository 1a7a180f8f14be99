package dev.procpool.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * AppCDS for the children: a dynamic class-data archive of what a child loads, so later children
 * start faster (about a third less start-up here; see benchmarks/RESULTS.md).
 *
 * <p>JDK 17 has no {@code -XX:+AutoCreateSharedArchive}, so this does it by hand: while no archive
 * exists, the first child started records one ({@code -XX:ArchiveClassesAtExit}, written when that
 * child exits normally, at pool close or recycling); children started once it exists use it ({@code
 * -XX:SharedArchiveFile}). The file name carries a hash of the JDK and of every class-path entry's
 * path, size and modification time, so a rebuilt jar gets a fresh archive instead of a stale one.
 * The JVM only archives from jars: with a directory on the class path it declines to dump, and
 * children simply start without.
 *
 * <p>Thread-safe: used from the launcher's blocking threads and process-exit threads.
 */
final class ClassDataArchive {
  private final Path archive;
  private final Path recording;
  private final AtomicBoolean recorderStarted = new AtomicBoolean();

  private ClassDataArchive(Path archive, Path recording) {
    this.archive = archive;
    this.recording = recording;
  }

  static ClassDataArchive in(Path directory, String classPath) throws IOException {
    Files.createDirectories(directory);
    String key = key(classPath);
    return new ClassDataArchive(
        directory.resolve("children-" + key + ".jsa"),
        directory.resolve("children-" + key + ".recording"));
  }

  private static String key(String classPath) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(
          (System.getProperty("java.home") + '\0' + Runtime.version())
              .getBytes(StandardCharsets.UTF_8));
      for (String entry : classPath.split(File.pathSeparator)) {
        Path path = Path.of(entry);
        digest.update(entry.getBytes(StandardCharsets.UTF_8));
        if (Files.exists(path)) {
          digest.update(Long.toString(Files.size(path)).getBytes(StandardCharsets.UTF_8));
          digest.update(
              Files.getLastModifiedTime(path).toString().getBytes(StandardCharsets.UTF_8));
        }
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JVM options for the child about to start; blocking file checks, so off the event loop. */
  List<String> optionsForNextChild() {
    if (Files.isRegularFile(archive)) {
      return List.of("-XX:SharedArchiveFile=" + archive);
    }
    if (recorderStarted.compareAndSet(false, true)) {
      return List.of("-XX:ArchiveClassesAtExit=" + recording);
    }
    return List.of();
  }

  /** A child exited: if it was recording and wrote an archive, put the archive in place. */
  void onChildExit() {
    try {
      if (Files.isRegularFile(recording) && Files.size(recording) > 0 && !Files.exists(archive)) {
        Files.move(recording, archive, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      // Another pool moved it first, or the disk refused: children start without, no harm.
    }
  }

  Path archive() {
    return archive;
  }
}
