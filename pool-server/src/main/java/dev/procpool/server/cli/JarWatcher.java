package dev.procpool.server.cli;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve --watch}: watches the {@code --jobs} jars and calls {@code onChange} when one is
 * written, so the children roll onto the new code. Changes within a short quiet period are
 * coalesced: a build writes a jar in several steps. One daemon thread.
 */
final class JarWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JarWatcher.class);
  static final long QUIET_MILLIS = 500;

  private final WatchService watcher;
  private final Set<Path> jars = new HashSet<>();
  private final Runnable onChange;
  private final Thread thread;

  JarWatcher(List<Path> watched, Runnable onChange) throws IOException {
    this.watcher = FileSystems.getDefault().newWatchService();
    this.onChange = onChange;
    Set<Path> directories = new HashSet<>();
    for (Path jar : watched) {
      Path absolute = jar.toAbsolutePath().normalize();
      jars.add(absolute);
      directories.add(absolute.getParent());
    }
    for (Path directory : directories) {
      directory.register(
          watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    }
    thread = new Thread(this::run, "procpool-jar-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        boolean changed = relevant(key);
        // Let the writer finish: keep draining events until the directory has been quiet.
        for (WatchKey more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
            more != null;
            more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) {
          changed |= relevant(more);
        }
        if (changed) {
          log.info("a --jobs jar changed: rolling the children onto it");
          onChange.run();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private boolean relevant(WatchKey key) {
    boolean changed = false;
    Path directory = (Path) key.watchable();
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.context() instanceof Path
          && jars.contains(directory.resolve((Path) event.context()).normalize())) {
        changed = true;
      }
    }
    key.reset();
    return changed;
  }

  @Override
  public void close() throws IOException {
    watcher.close();
    thread.interrupt();
  }
}
