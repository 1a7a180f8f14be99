package dev.procpool.server.cli;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * The data directory and its secrets are this user's alone. A directory another user prepared (or
 * can write) could hand them the admin token, the database password or the children's class-data
 * archive, so {@code serve} refuses it with one line saying what to fix, rather than trust it. On a
 * file system without POSIX permissions the checks are skipped.
 */
final class PrivatePath {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private PrivatePath() {}

  /** A path that is not this user's alone; its message is the one line {@code serve} prints. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code dir} (mode 0700) if missing, else checks it is this user's alone. */
  static Path directory(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (posix()) {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(dir);
      }
      return dir;
    }
    check(dir);
    if (!Files.isDirectory(dir)) {
      throw new Refused(dir.toAbsolutePath() + " is not a directory");
    }
    return dir;
  }

  /**
   * Refuses {@code path} (a link and what it points to alike) when it belongs to another user or
   * group or others may read, write or enter it.
   */
  static void check(Path path) throws IOException {
    if (!posix()) {
      return;
    }
    checkOne(path, LinkOption.NOFOLLOW_LINKS);
    if (Files.isSymbolicLink(path)) {
      checkOne(path);
    }
  }

  private static void checkOne(Path path, LinkOption... options) throws IOException {
    Path shown = path.toAbsolutePath();
    UserPrincipal owner = Files.getOwner(path, options);
    UserPrincipal me = me();
    if (me != null && !owner.equals(me)) {
      throw new Refused(
          shown
              + " belongs to "
              + owner.getName()
              + ", not "
              + me.getName()
              + ": another user may have prepared it; remove it or choose another --data-dir");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, options);
    if (!Files.isSymbolicLink(path) || options.length == 0) {
      Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
      open.addAll(mode);
      open.retainAll(GROUP_OR_OTHERS);
      if (!open.isEmpty()) {
        throw new Refused(
            shown
                + " is open to group or others (mode "
                + PosixFilePermissions.toString(mode)
                + "); run: chmod "
                + (Files.isDirectory(path) ? "700 " : "600 ")
                + shown);
      }
    }
  }

  private static UserPrincipal me() throws IOException {
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
      return null; // a user without a name here (a container's uid): the mode check still holds
    }
  }

  /** Makes a file this user's alone (0600): for files a library created with the umask's mode. */
  static void restrict(Path file) throws IOException {
    if (posix() && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
