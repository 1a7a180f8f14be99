package dev.procpool.spring;

import dev.procpool.ProcessPool;
import org.springframework.context.SmartLifecycle;

/**
 * Drains the pool when the application shuts down: {@code close()} lets queued and running jobs
 * finish (up to the pool's drain timeout) on a thread of its own, and tells Boot when it is done.
 *
 * <p>Its phase is below the web server's graceful shutdown, so requests still being answered keep
 * their jobs: the pool stops after the server has stopped taking and finished its requests.
 */
public class ProcessPoolLifecycle implements SmartLifecycle {
  /**
   * Below WebServerGracefulShutdownLifecycle (DEFAULT_PHASE - 1024) and the server's stop (- 2048).
   */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final ProcessPool pool;
  private volatile boolean running = true;

  public ProcessPoolLifecycle(ProcessPool pool) {
    this.pool = pool;
  }

  @Override
  public void start() {
    // The pool started when its bean was made: its children were ready before anything used it.
    running = true;
  }

  @Override
  public void stop() {
    pool.close();
    running = false;
  }

  @Override
  public void stop(Runnable callback) {
    Thread drain =
        new Thread(
            () -> {
              try {
                stop();
              } finally {
                callback.run();
              }
            },
            "procpool-drain");
    drain.start();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
