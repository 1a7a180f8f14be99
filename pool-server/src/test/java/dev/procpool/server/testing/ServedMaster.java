package dev.procpool.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code serve} process watched from outside: its output is read on a daemon thread that keeps
 * the last lines (bounded) and counts what a test asks about, so a flood cannot fill the test's
 * heap either.
 */
public final class ServedMaster implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  public final Process process;
  private final ArrayDeque<String> last = new ArrayDeque<>();
  private final CountDownLatch listening = new CountDownLatch(1);
  private final AtomicLong lines = new AtomicLong();
  private volatile int port = -1;
  private final Set<String> watched;
  private final java.util.Map<String, AtomicLong> seen =
      new java.util.concurrent.ConcurrentHashMap<>();

  private ServedMaster(Process process, Set<String> watched) {
    this.process = process;
    this.watched = watched;
    for (String w : watched) {
      seen.put(w, new AtomicLong());
    }
    Thread reader = new Thread(this::read, "served-master-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code serve} in {@code dir}; counts lines containing any of {@code watched}. */
  public static ServedMaster start(
      Path dir, List<String> jvmOptions, Set<String> watched, String... args) throws Exception {
    return new ServedMaster(ServerProcess.launch(dir, jvmOptions, args), watched);
  }

  private void read() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        lines.incrementAndGet();
        for (String w : watched) {
          if (line.contains(w)) {
            seen.get(w).incrementAndGet();
          }
        }
        String kept = line.length() > 300 ? line.substring(0, 300) + "..." : line;
        synchronized (last) {
          if (last.size() == 200) {
            last.pollFirst();
          }
          last.addLast(kept);
        }
        Matcher m = LISTENING.matcher(line);
        if (port < 0 && m.find()) {
          port = Integer.parseInt(m.group(1));
          listening.countDown();
        }
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      listening.countDown();
    }
  }

  /** The HTTP port, once the banner says it listens. */
  public int awaitPort() throws InterruptedException {
    if (!listening.await(90, TimeUnit.SECONDS) || port < 0) {
      throw new AssertionError("the server did not start:\n" + output());
    }
    return port;
  }

  /** Lines seen containing {@code watched} (one of those given at start). */
  public long seen(String watched) {
    return seen.get(watched).get();
  }

  /**
   * Lines seen containing {@code watched}, after waiting (10 s at most) for the first: a line
   * printed after the port's may not have been read yet when {@link #awaitPort} returns.
   */
  public long awaitSeen(String watched) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen(watched) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return seen(watched);
  }

  public long lines() {
    return lines.get();
  }

  /** The last lines of output (at most 200, each cut at 300 characters). */
  public String output() {
    synchronized (last) {
      return String.join("\n", last);
    }
  }

  /** TCP ports this process listens on, from /proc: its socket inodes in the LISTEN state. */
  public Set<Integer> listeningTcpPorts() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      Path file = Path.of("/proc", Long.toString(process.pid()), "net", table);
      if (!Files.exists(file)) {
        continue;
      }
      for (String row : Files.readAllLines(file)) {
        String[] f = row.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
