package dev.procpool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.procpool.FailureCode;
import dev.procpool.PoolException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Assertions on job futures. */
public final class Outcomes {
  private Outcomes() {}

  /**
   * Waits (60 s at most) for the future to fail and returns its PoolException, checking the code.
   */
  public static PoolException failure(CompletableFuture<?> future, FailureCode expected) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
    PoolException failure = assertInstanceOf(PoolException.class, e.getCause());
    assertEquals(expected, failure.code(), failure.getMessage());
    return failure;
  }

  public static String text(CompletableFuture<byte[]> future) throws Exception {
    return new String(future.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8);
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
