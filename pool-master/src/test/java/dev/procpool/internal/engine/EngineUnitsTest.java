package dev.procpool.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procpool.protocol.ToChild;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The engine's small parts, each on the simulation's loop. */
class EngineUnitsTest {
  private final SimLoop loop = new SimLoop();
  private final Failure.Factory failures =
      (code, id, message, rc, rs) -> new IllegalStateException(code + ": " + message);

  private PendingJob<byte[]> job(
      long id, ByteString payload, CompletableFuture<byte[]> future, PoolMetrics metrics) {
    return new PendingJob<>(
        id,
        "t",
        payload,
        1_000,
        ByteString::toByteArray,
        future,
        new JobContext(loop, Runnable::run, metrics, failures, "unit"));
  }

  @Test
  void requestBytes_matchesTheEncodedRequest() {
    for (int size : new int[] {0, 1, 127, 128, 16_383, 16_384, 70_000}) {
      ByteString payload = ByteString.copyFrom(new byte[size]);
      for (long timeout : new long[] {0, 1, 30_000, Long.MAX_VALUE}) {
        PendingJob<byte[]> job =
            new PendingJob<>(
                123_456_789L,
                "ledger.transfer",
                payload,
                timeout,
                ByteString::toByteArray,
                new CompletableFuture<>(),
                new JobContext(loop, Runnable::run, PoolMetrics.NOOP, failures, "unit"));
        ToChild request = job.request();
        assertEquals(
            request.getSerializedSize(),
            PendingJob.requestBytes(
                123_456_789L, "ledger.transfer", payload, timeout, 0, JobSpan.NOOP),
            "payload " + size + ", timeout " + timeout);
      }
    }
  }

  /** A broadcast job never queues: its wait is from pinning to start, not nanoTime() - 0. */
  @Test
  void pinnedJob_waitCountsFromPinning() {
    AtomicLong wait = new AtomicLong(-1);
    PoolMetrics metrics =
        new PoolMetrics() {
          @Override
          public void jobStarted(String type, long waitNanos) {
            wait.set(waitNanos);
          }
        };
    PendingJob<byte[]> job = job(1, ByteString.EMPTY, new CompletableFuture<>(), metrics);
    ChildSlot child = new ChildSlot(1, new byte[0], 0, 1, Defects.LOG);
    job.toPinned(child);
    loop.advance(TimeUnit.MILLISECONDS.toNanos(5));
    job.toRunning(child);
    assertEquals(TimeUnit.MILLISECONDS.toNanos(5), wait.get());
  }

  /**
   * A completed future must not keep the request's bytes reachable: the user holds the future, its
   * cancel hook held the job, the job held the payload.
   */
  @Test
  void completedJob_futureReachesNoPayload() throws Exception {
    WeakReference<byte[]> payload;
    JobFuture<byte[]> future = new JobFuture<>();
    {
      byte[] big = new byte[8 * 1024 * 1024];
      payload = new WeakReference<>(big);
      PendingJob<byte[]> job =
          job(
              1,
              com.google.protobuf.UnsafeByteOperations.unsafeWrap(big),
              future,
              PoolMetrics.NOOP);
      future.onCancel(interrupt -> job.cancelled());
      job.toQueue();
      job.toRunning(new ChildSlot(1, new byte[0], 0, 1, Defects.LOG));
      job.succeed(ByteString.copyFromUtf8("ok"));
    }
    assertEquals("ok", new String(future.get(), java.nio.charset.StandardCharsets.UTF_8));
    for (int i = 0; i < 100 && payload.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertNull(payload.get(), "the completed future still reaches the payload");
  }

  /** One slow dependent stage must not hold up the other completions of its batch. */
  @Test
  void completionBatch_slowStage_othersStillComplete() throws Exception {
    ExecutorService callbacks = Executors.newCachedThreadPool();
    try {
      CompletionBatch batch = new CompletionBatch(loop, callbacks);
      CountDownLatch slowStarted = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch othersDone = new CountDownLatch(2);
      batch.execute(
          () -> {
            slowStarted.countDown();
            await(release);
          });
      batch.execute(othersDone::countDown);
      batch.execute(othersDone::countDown);
      loop.runReady(); // the flush: one hand-off for all three
      assertTrue(slowStarted.await(10, TimeUnit.SECONDS));
      loop.advance(
          CompletionBatch
              .HELP_AFTER_NANOS); // the batch is still unfinished: a helper takes the rest
      assertTrue(othersDone.await(10, TimeUnit.SECONDS), "the slow stage held up the others");
      release.countDown();
    } finally {
      callbacks.shutdownNow();
    }
  }

  /** An Error in one completion (a result parser's NoClassDefFoundError) must not lose the rest. */
  @Test
  void completionBatch_errorInOne_restComplete() {
    CompletionBatch batch = new CompletionBatch(loop, Runnable::run);
    List<String> done = new ArrayList<>();
    batch.execute(() -> done.add("a"));
    batch.execute(
        () -> {
          throw new NoClassDefFoundError("simulated");
        });
    batch.execute(() -> done.add("c"));
    loop.runReady();
    assertEquals(List.of("a", "c"), done);
  }

  /** A decoder that throws an Error still completes its future, once. */
  @Test
  void resultReaderError_futureFailsProtocolError() {
    CompletableFuture<byte[]> future = new CompletableFuture<>();
    PendingJob<byte[]> job =
        new PendingJob<>(
            1,
            "t",
            ByteString.EMPTY,
            0,
            bytes -> {
              throw new StackOverflowError("parser");
            },
            future,
            new JobContext(loop, Runnable::run, PoolMetrics.NOOP, failures, "unit"));
    job.toQueue();
    job.toRunning(new ChildSlot(1, new byte[0], 0, 1, Defects.LOG));
    job.succeed(ByteString.EMPTY);
    assertTrue(future.isCompletedExceptionally());
    assertTrue(future.handle((v, e) -> e.getMessage()).join().contains("PROTOCOL_ERROR"));
  }

  @Test
  void admission_maxValueCapacity_admits() {
    Admission admission = new Admission(Integer.MAX_VALUE);
    admission.publishIdle(3);
    for (int i = 0; i < 1_000; i++) {
      assertTrue(admission.admit());
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
