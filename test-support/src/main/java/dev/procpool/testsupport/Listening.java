package dev.procpool.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Whether something accepts TCP connections at an address: the cheap test that tells a running
 * local service from a default address with nothing behind it. A connect to a closed loopback port
 * is refused at once; the timeout bounds a host that drops packets.
 */
final class Listening {
  private static final int CONNECT_TIMEOUT_MS = 1_000;

  private Listening() {}

  static boolean at(String host, int port) {
    if (host == null || port <= 0 || port > 65_535) {
      return false;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
