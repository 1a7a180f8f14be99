package dev.procpool.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A random secret kept in a file only its owner can read, made on first use: the admin token and
 * the embedded database's password.
 */
final class SecretFile {
  private SecretFile() {}

  /**
   * The secret in {@code file}, made if missing; an existing file that is not this user's alone is
   * refused ({@link PrivatePath.Refused}): a planted token would be known to whoever planted it.
   */
  static String readOrCreate(Path file) throws IOException {
    if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      PrivatePath.check(file);
      String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
      if (token.length() < 16) {
        throw new IOException("the secret in " + file + " is shorter than 16 characters");
      }
      return token;
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String token = HexFormat.of().formatHex(random);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
    return token;
  }

  static String read(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException(
          "no admin token file at "
              + file.toAbsolutePath()
              + " (serve creates it in its --data-dir; pass --token-file)",
          e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException(
          "cannot read the admin token file " + file.toAbsolutePath() + ": permission denied", e);
    }
  }
}
