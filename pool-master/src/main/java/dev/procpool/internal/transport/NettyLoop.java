package dev.procpool.internal.transport;

import dev.procpool.internal.engine.Loop;
import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The engine's {@link Loop} on a Netty event loop: its thread, {@code System.nanoTime}, its
 * scheduler.
 */
public final class NettyLoop implements Loop {
  private final EventLoop loop;

  public NettyLoop(EventLoop loop) {
    this.loop = loop;
  }

  @Override
  public boolean inLoop() {
    return loop.inEventLoop();
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(task);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Timer schedule(Runnable task, long delayNanos) {
    // Netty saturates deadlines that overflow, so a huge delay means "practically never".
    ScheduledFuture<?> future = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }
}
