package dev.procpool.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version Maven wrote into {@code procpool-version.properties} at build time. */
final class VersionProvider implements IVersionProvider {
  static String version() {
    try (InputStream in =
        VersionProvider.class.getResourceAsStream("/procpool-version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"procpool " + version() + " (Java " + Runtime.version() + ")"};
  }
}
