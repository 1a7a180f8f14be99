package dev.procpool.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class ServicesTest {
  /** No Docker engine: the rule's last resort is a skip (or a failure under CI). */
  private static final class NoDocker extends Containers {
    @Override
    synchronized boolean dockerAvailable() {
      return false;
    }
  }

  private static Services services(String... keyValues) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      env.put(keyValues[i], keyValues[i + 1]);
    }
    return new Services(env, new NoDocker());
  }

  /** A loopback port nothing listens on: bound, then closed. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void rabbitmq_namedUrlNothingListening_skipsNamingServiceAndHow() throws Exception {
    String url = "amqp://127.0.0.1:" + closedPort();
    TestAbortedException skip =
        assertThrows(TestAbortedException.class, () -> services(Services.AMQP_ENV, url).rabbitmq());
    assertEquals(
        "RabbitMQ not available (PROCPOOL_TEST_AMQP_URL="
            + url
            + ": nothing listens there): set PROCPOOL_TEST_AMQP_URL, start a broker on"
            + " 127.0.0.1:5672 (.ci/run does), or run a Docker engine",
        skip.getMessage());
  }

  @Test
  void rabbitmq_namedUrlNothingListening_underCi_fails() throws Exception {
    String url = "amqp://127.0.0.1:" + closedPort();
    AssertionError failure =
        assertThrows(
            AssertionError.class, () -> services(Services.AMQP_ENV, url, "CI", "true").rabbitmq());
    assertTrue(failure.getMessage().startsWith("CI must run this test. RabbitMQ not available"));
  }

  @Test
  void rabbitmq_namedUrlListening_isUsed() throws Exception {
    try (ServerSocket broker = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "amqp://guest:guest@127.0.0.1:" + broker.getLocalPort() + "/";
      assertEquals(url, services(Services.AMQP_ENV, url, "CI", "true").rabbitmq().uri());
    }
  }

  @Test
  void postgres_namedUrlNothingListening_skips() throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort() + "/test?user=postgres";
    TestAbortedException skip =
        assertThrows(TestAbortedException.class, () -> services(Services.PG_ENV, url).postgres());
    assertTrue(skip.getMessage().startsWith("PostgreSQL not available (PROCPOOL_TEST_PG_URL="));
  }

  @Test
  void postgres_namedUrlListening_isUsed() throws Exception {
    try (ServerSocket db = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "jdbc:postgresql://127.0.0.1:" + db.getLocalPort() + "/test?user=postgres";
      assertEquals(new OutsideServices.Postgres(url), services(Services.PG_ENV, url).postgres());
    }
  }

  @Test
  void bubblewrap_namedFileMissing_skips_underCiFails(@TempDir Path dir) {
    String missing = dir.resolve("bwrap").toString();
    TestAbortedException skip =
        assertThrows(
            TestAbortedException.class, () -> services(Services.BWRAP_ENV, missing).bubblewrap());
    assertEquals(
        "bubblewrap not available (PROCPOOL_TEST_BWRAP="
            + missing
            + " is not an executable): install it (apt-get install bubblewrap; .ci/run does) or"
            + " set PROCPOOL_TEST_BWRAP",
        skip.getMessage());
    assertThrows(
        AssertionError.class, () -> services(Services.BWRAP_ENV, missing, "CI", "1").bubblewrap());
  }

  @Test
  void bubblewrap_onPath_isFound(@TempDir Path dir) throws IOException {
    Path bwrap = Files.createFile(dir.resolve("bwrap"));
    assertTrue(bwrap.toFile().setExecutable(true));
    assertEquals(bwrap, services("PATH", "/nonexistent:" + dir).bubblewrap());
  }

  @Test
  void java25_unset_skipsSayingHowToSetIt() {
    TestAbortedException skip = assertThrows(TestAbortedException.class, () -> services().java25());
    assertTrue(skip.getMessage().contains("set PROCPOOL_TEST_JAVA25"), skip.getMessage());
  }

  @Test
  void underCi_setAndNotFalse() {
    assertTrue(Services.underCi(Map.of("CI", "true")));
    assertTrue(Services.underCi(Map.of("CI", "1")));
    assertFalse(Services.underCi(Map.of()));
    assertFalse(Services.underCi(Map.of("CI", "")));
    assertFalse(Services.underCi(Map.of("CI", "false")));
    assertFalse(Services.underCi(Map.of("CI", "0")));
  }
}
