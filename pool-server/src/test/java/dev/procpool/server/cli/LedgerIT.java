package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.ProcessPool;
import dev.procpool.server.http.HttpFrontEnd;
import dev.procpool.server.http.HttpSettings;
import dev.procpool.testing.Descendants;
import dev.procpool.testsupport.OutsideServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger demo: plain blocking JDBC in the children, hammered by concurrent HTTP transfers while
 * children are SIGKILLed. The total must stay exact on the embedded H2 and on a real PostgreSQL.
 */
class LedgerIT {
  @Test
  void embeddedH2_concurrentTransfersWithKills_totalExact(@TempDir Path dataDir) throws Exception {
    try (EmbeddedDatabase h2 = EmbeddedDatabase.start(dataDir)) {
      hammer(h2.url(), h2.user(), h2.password());
    }
  }

  @Test
  void postgres_concurrentTransfersWithKills_totalExact() throws Exception {
    hammer(OutsideServices.postgres().jdbcUrl(), null, null);
  }

  private static void hammer(String url, String user, String password) throws Exception {
    dev.procpool.PoolConfigBuilder builder =
        ProcessPool.builder()
            .children(2)
            .jobTimeout(Duration.ofSeconds(20))
            .childEnvironment("PROCPOOL_DB_URL", url);
    if (user != null) {
      builder.childEnvironment("PROCPOOL_DB_USER", user);
    }
    if (password != null) {
      builder.childEnvironment("PROCPOOL_DB_PASSWORD", password);
    }
    try (ProcessPool pool = builder.start();
        HttpFrontEnd http =
            HttpFrontEnd.start(
                pool,
                new HttpSettings(
                    "127.0.0.1",
                    0,
                    4096,
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(10),
                    null,
                    null,
                    false))) {
      Client client = new Client(http.port());
      String prefix = "it" + System.nanoTime() + "-";
      int accounts = 8;
      long each = 1000;
      for (int i = 0; i < accounts; i++) {
        HttpResponse<String> opened =
            client.post("ledger.open", "{\"id\":\"" + prefix + i + "\",\"balance\":" + each + "}");
        assertEquals(200, opened.statusCode(), opened.body());
      }
      HttpResponse<String> broke =
          client.post(
              "ledger.transfer",
              "{\"from\":\""
                  + prefix
                  + "0\",\"to\":\""
                  + prefix
                  + "1\",\"amount\":"
                  + (each + 1)
                  + "}");
      assertEquals(500, broke.statusCode());
      assertTrue(broke.body().contains("insufficient funds"), broke.body());
      HttpResponse<String> nobody =
          client.post(
              "ledger.transfer",
              "{\"from\":\"" + prefix + "0\",\"to\":\"" + prefix + "nobody\",\"amount\":1}");
      assertEquals(500, nobody.statusCode());
      assertTrue(nobody.body().contains("unknown account"), nobody.body());
      HttpResponse<String> garbage = client.post("ledger.transfer", "{\"from\":");
      assertEquals(500, garbage.statusCode());
      assertTrue(garbage.body().contains("bad JSON"), garbage.body());

      AtomicInteger ok = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicInteger crashed = new AtomicInteger();
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger kills = new AtomicInteger();
      ExecutorService clients = Executors.newFixedThreadPool(8);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        done.add(
            clients.submit(
                () -> {
                  Random random = new Random(seed);
                  for (int n = 0; n < 40; n++) {
                    int from = random.nextInt(accounts);
                    int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                    String body =
                        "{\"from\":\""
                            + prefix
                            + from
                            + "\",\"to\":\""
                            + prefix
                            + to
                            + "\",\"amount\":"
                            + (1 + random.nextInt(300))
                            + "}";
                    HttpResponse<String> response = client.post("ledger.transfer", body);
                    switch (response.statusCode()) {
                      case 200 -> ok.incrementAndGet();
                      case 500 -> {
                        assertTrue(response.body().contains("insufficient funds"), response.body());
                        refused.incrementAndGet();
                      }
                      case 502 -> crashed.incrementAndGet();
                      default ->
                          throw new AssertionError(response.statusCode() + " " + response.body());
                    }
                    // Every 60 transfers, SIGKILL a child mid-load: its transaction must roll back.
                    if (sent.incrementAndGet() % 60 == 0 && kills.get() < 4) {
                      ProcessHandle.current()
                          .children()
                          .filter(ProcessHandle::isAlive)
                          .findAny()
                          .ifPresent(
                              p -> {
                                if (p.destroyForcibly()) {
                                  kills.incrementAndGet();
                                }
                              });
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      clients.shutdown();
      assertTrue(ok.get() > 0, "some transfers went through");
      assertTrue(
          crashed.get() <= kills.get(), crashed + " crashed transfers but " + kills + " kills");

      HttpResponse<String> total = client.post("ledger.total", prefix);
      assertEquals(200, total.statusCode(), total.body());
      assertEquals(Long.toString(accounts * each), total.body(), "money was created or destroyed");
      long sum = 0;
      for (int i = 0; i < accounts; i++) {
        sum += Long.parseLong(client.post("ledger.balance", prefix + i).body());
      }
      assertEquals(accounts * each, sum);
    }
    assertEquals(List.of(), Descendants.alive());
  }

  /** A JDK HttpClient bound to one server. */
  private static final class Client {
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final int port;

    Client(int port) {
      this.port = port;
    }

    HttpResponse<String> post(String type, String body) {
      try {
        return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/" + type))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError("request failed: " + e, e);
      }
    }
  }
}
