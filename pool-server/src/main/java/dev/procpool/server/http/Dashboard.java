package dev.procpool.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The live dashboard page, read from the jar once, off the event loop (see HttpFrontEnd.start). */
final class Dashboard {
  static final byte[] PAGE = load();

  private Dashboard() {}

  private static byte[] load() {
    try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard.html is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
