package dev.procpool.internal.launch.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Finds bubblewrap and proves, once at pool start, that this kernel lets it make the sandbox's
 * namespaces: a failure here fails {@code start()} with the cause and its fix, rather than every
 * child dying one by one. Blocking (it runs {@code bwrap} once, a few milliseconds).
 */
final class Bubblewrap {
  private static final String INSTALL =
      "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora/RHEL: dnf install"
          + " bubblewrap) or give its path (Sandbox.builder().bwrap(path), serve --sandbox-bwrap)";
  private static final String USERNS =
      "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 on older"
          + " Debian, kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap"
          + " on Ubuntu 23.10+, user.max_user_namespaces > 0), or run the master as root";

  private Bubblewrap() {}

  /** The bwrap executable to use, checked to exist; IOException naming the fix otherwise. */
  static Path locate(Path configured) throws IOException {
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      throw new IOException(
          "the sandbox is not supported here ("
              + os
              + "): it needs Linux namespaces through bubblewrap; run without a sandbox, or on Linux");
    }
    if (configured != null) {
      if (!Files.isExecutable(configured)) {
        throw new IOException(
            "the sandbox needs bubblewrap, and "
                + configured
                + " is not an executable: "
                + INSTALL);
      }
      return configured;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : (path + ":/usr/bin").split(":")) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, "bwrap");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IOException(
        "the sandbox needs bubblewrap, and no bwrap is on the PATH (" + path + "): " + INSTALL);
  }

  /**
   * Runs {@code bwrap} with the sandbox's namespaces around {@code true}; IOException with bwrap's
   * own words and the fix if the kernel refuses.
   */
  static void probe(Path bwrap, boolean hostNetwork) throws IOException {
    Path truth =
        Files.isExecutable(Path.of("/usr/bin/true"))
            ? Path.of("/usr/bin/true")
            : Path.of("/bin/true");
    List<String> command = new ArrayList<>(List.of(bwrap.toString(), "--unshare-all"));
    if (hostNetwork) {
      command.add("--share-net");
    }
    command.addAll(
        List.of(
            "--die-with-parent",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            truth.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    Process process = builder.start();
    process.getOutputStream().close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("bubblewrap (" + bwrap + ") did not finish a trial run in 10 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while trying bubblewrap", e);
    }
    if (process.exitValue() != 0) {
      String said =
          new String(process.getInputStream().readNBytes(2000), StandardCharsets.UTF_8).trim();
      throw new IOException(
          "bubblewrap ("
              + bwrap
              + ") could not create the sandbox's namespaces (exit status "
              + process.exitValue()
              + ": "
              + said
              + "): "
              + USERNS);
    }
  }
}
