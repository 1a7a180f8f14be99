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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * AppCDS for the children: a dynamic class-data archive of what a child loads, so later children
 * start faster (about a third less start-up here; see benchmarks/RESULTS.md).
 *
 * <p>JDK 17 has no {@code -XX:+AutoCreateSharedArchive}, so this does it by hand: while no archive
 * exists, the first child started records one ({@code -XX:ArchiveClassesAtExit}, written when that
 * child exits normally, at pool close or recycling); children started once it exists use it ({@code
 * -XX:SharedArchiveFile}). The file name carries a hash of the JDK and of every class-path entry's
 * path, size and modification time, so a rebuilt jar gets a fresh archive instead of a stale one.
 * The JVM only archives from jars (with a directory on the class path a recording child fails at
 * exit), so a class path with a directory gets no archive: {@link #in} refuses it.
 *
 * <p>Children on JDK 25 or newer ({@code javaExecutable}) get an AOT cache instead (JEPs 483, 514,
 * 515: {@code -XX:AOTCacheOutput} to record, {@code -XX:AOTCache} to use): classes loaded and
 * linked ahead of time plus the recording child's method profiles, so later children compile their
 * hot path sooner. The recording child's exit takes longer (the JVM assembles the cache then).
 *
 * <p>Thread-safe: used from the launcher's blocking threads and process-exit threads.
 */
final class ClassDataArchive {
  private final Path archive;
  private final Path recording;
  private final boolean aotCache;

  /** The child recording an archive, or -1 before one starts (at most one per pool). */
  private final AtomicInteger recorder = new AtomicInteger(-1);

  private ClassDataArchive(Path archive, Path recording, boolean aotCache) {
    this.archive = archive;
    this.recording = recording;
    this.aotCache = aotCache;
  }

  static ClassDataArchive in(Path directory, String classPath, Path javaExecutable)
      throws IOException {
    ChildJdk jdk = ChildJdk.of(javaExecutable);
    String key = key(jdk, classPath);
    Files.createDirectories(directory);
    boolean aotCache = jdk.feature() >= 25;
    // The recording keeps the archive's extension (the JVM insists on it for AOT caches) and is
    // this pool's own, so pools recording at once (in this process or others) never share a file.
    String extension = aotCache ? ".aot" : ".jsa";
    String own =
        ProcessHandle.current().pid()
            + "-"
            + Long.toHexString(ThreadLocalRandom.current().nextLong());
    return new ClassDataArchive(
        directory.resolve("children-" + key + extension),
        directory.resolve("children-" + key + "-recording-" + own + extension),
        aotCache);
  }

  /** The archive's name: the JDK and every class-path jar; a directory entry is refused. */
  private static String key(ChildJdk jdk, String classPath) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(
          (jdk.home().toString() + '\0' + jdk.version()).getBytes(StandardCharsets.UTF_8));
      for (String entry : classPath.split(File.pathSeparator)) {
        Path path = Path.of(entry);
        if (Files.isDirectory(path)) {
          throw new IOException(
              "the JVM archives classes from jars only, and " + entry + " is a directory");
        }
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

  /** JVM options for child {@code childId}; blocking file checks, so off the event loop. */
  List<String> optionsFor(int childId) {
    if (Files.isRegularFile(archive)) {
      return List.of((aotCache ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
    }
    if (recorder.compareAndSet(-1, childId)) {
      return List.of((aotCache ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + recording);
    }
    return List.of();
  }

  /**
   * Child {@code childId} exited: if it was the recorder, its archive is complete now (the JVM
   * writes it on the way out), so put it in place, unless another pool did first.
   */
  void onChildExit(int childId) {
    if (childId != recorder.get()) {
      return; // only the recorder's own exit says its file is whole
    }
    try {
      if (Files.isRegularFile(recording) && Files.size(recording) > 0 && !Files.exists(archive)) {
        Files.move(recording, archive, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.deleteIfExists(recording);
      // A one-step AOT recording writes its training data beside it first; a failed one leaves it.
      Files.deleteIfExists(recording.resolveSibling(recording.getFileName() + ".config"));
    } catch (IOException e) {
      // The disk refused: children start without, no harm.
    }
  }

  Path archive() {
    return archive;
  }
}
