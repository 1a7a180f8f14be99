package dev.procpool.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The test's side of the {@code rendezvous} fixture: jobs connect here when they start (sending
 * their pid) and block until released. Lets a test know a job is running, without sleeping.
 */
public final class Rendezvous implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> arrived = new ArrayList<>();

  public Rendezvous() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setSoTimeout(30_000);
  }

  /** The payload for a {@code rendezvous} job. */
  public byte[] payload() {
    return Integer.toString(server.getLocalPort()).getBytes(StandardCharsets.UTF_8);
  }

  /** Waits (30 s at most) for the next job to start; returns the pid of the child running it. */
  public long awaitStart() throws IOException {
    Socket socket = server.accept();
    arrived.add(socket);
    socket.setSoTimeout(30_000);
    String line =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    return Long.parseLong(line.trim());
  }

  /** Lets every started job return the given byte. */
  public void releaseAll(int value) throws IOException {
    for (Socket socket : arrived) {
      socket.getOutputStream().write(value);
      socket.getOutputStream().flush();
    }
  }

  /** True if another job connected within {@code millis}. */
  public boolean anotherStartsWithin(int millis) throws IOException {
    server.setSoTimeout(millis);
    try {
      arrived.add(server.accept());
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } finally {
      server.setSoTimeout(30_000);
    }
  }

  @Override
  public void close() throws IOException {
    for (Socket socket : arrived) {
      socket.close();
    }
    server.close();
  }
}
