package dev.procpool.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP/1.1 load generator: N keep-alive connections on loopback, each sending the
 * next POST as soon as the previous answer is read. Bounded by time, loopback only.
 */
final class HttpLoad {
  private HttpLoad() {}

  static LoadResult run(
      int port, String path, byte[] payload, int connections, double warmupSeconds, double seconds)
      throws Exception {
    byte[] request =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + payload.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] whole = new byte[request.length + payload.length];
    System.arraycopy(request, 0, whole, 0, request.length);
    System.arraycopy(payload, 0, whole, request.length, payload.length);

    long start = System.nanoTime();
    long measureFrom = start + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    AtomicLong errors = new AtomicLong();
    List<LatencyLog> logs = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      LatencyLog log = new LatencyLog();
      logs.add(log);
      Thread thread =
          new Thread(
              () -> {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                  socket.setTcpNoDelay(true);
                  socket.setSoTimeout(30_000);
                  OutputStream out = socket.getOutputStream();
                  InputStream in =
                      new java.io.BufferedInputStream(socket.getInputStream(), 16 * 1024);
                  while (true) {
                    long sent = System.nanoTime();
                    if (sent >= end) {
                      return;
                    }
                    out.write(whole);
                    out.flush();
                    int status = readResponse(in);
                    long took = System.nanoTime() - sent;
                    if (sent >= measureFrom) {
                      if (status == 200) {
                        log.add(took);
                      } else {
                        errors.incrementAndGet();
                      }
                    }
                  }
                } catch (IOException e) {
                  errors.incrementAndGet();
                }
              },
              "http-load-" + c);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    List<long[]> latencies = new ArrayList<>();
    logs.forEach(l -> latencies.add(l.toArray()));
    return LoadResult.of("http", connections, latencies, errors.get(), seconds);
  }

  /** Reads one response; returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    String statusLine = line(in);
    int length = 0;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(header.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return Integer.parseInt(statusLine.substring(9, 12));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
