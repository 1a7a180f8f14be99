package dev.procpool.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
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
 * <p>An archive is code the children run, so it is trusted only from a directory that is this
 * user's alone: {@link #in} creates the directory with mode 0700 and refuses one that belongs to
 * another user or that group or others may use; an archive is used only if it is a regular file
 * (not a link) of this user's that nobody else may write, and is written 0600. A refused directory
 * means no archive: children start a little slower, never with someone else's classes.
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
    privateDirectory(directory);
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
    if (Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) {
      // Someone else's file (or a link) is never loaded, and never replaced by a recording either.
      return trusted(archive)
          ? List.of((aotCache ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive)
          : List.of();
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
      if (Files.isRegularFile(recording, LinkOption.NOFOLLOW_LINKS)
          && Files.size(recording) > 0
          && !Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) {
        if (posix()) {
          Files.setPosixFilePermissions(recording, PosixFilePermissions.fromString("rw-------"));
        }
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

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code directory} with mode 0700, or checks that an existing one is ours alone. */
  static void privateDirectory(Path directory) throws IOException {
    if (!posix()) {
      Files.createDirectories(directory);
      return;
    }
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = directory.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createDirectory(
            directory,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made meanwhile by another pool: checked below like any existing one
      }
    }
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(directory + " is not a directory (a link is not trusted)");
    }
    if (!owned(directory)) {
      throw new IOException(directory + " belongs to another user");
    }
    Set<PosixFilePermission> open =
        EnumSet.copyOf(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS));
    open.retainAll(GROUP_OR_OTHERS);
    if (!open.isEmpty()) {
      throw new IOException(directory + " is open to group or others (chmod 700 it)");
    }
  }

  /** A regular file of this user's that group and others cannot write. */
  private static boolean trusted(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      if (!posix()) {
        return true;
      }
      Set<PosixFilePermission> mode =
          Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      return owned(file)
          && !mode.contains(PosixFilePermission.GROUP_WRITE)
          && !mode.contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean owned(Path path) throws IOException {
    UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
    try {
      return owner.equals(
          FileSystems.getDefault()
              .getUserPrincipalLookupService()
              .lookupPrincipalByName(System.getProperty("user.name")));
    } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
      return true; // a user without a name (a container's uid): the mode checks still hold
    }
  }
}
