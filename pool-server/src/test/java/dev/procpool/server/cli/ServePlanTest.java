package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServePlanTest {
  private static ServePlan plan(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return ServePlan.of(command);
  }

  @Test
  void defaults_localPool_embeddedDatabaseInTheDataDir() {
    ServePlan plan = plan("--children", "2");
    assertTrue(plan.local());
    assertNull(plan.role());
    assertEquals(Path.of("procpool-data"), plan.database().embeddedIn());
    assertEquals(Path.of("procpool-data", "admin-token"), plan.tokenFile());
    assertEquals(List.of(), plan.watchedJars());
    assertEquals(List.of(), plan.http().allowedHosts());
  }

  @Test
  void front_hasNoPoolAndNoDatabase() {
    ServePlan plan = plan("--broker", "amqp://127.0.0.1:5672", "--role", "front");
    assertFalse(plan.local());
    assertNull(plan.pool());
    assertFalse(plan.database().embedded());
    assertNull(plan.database().url());
  }

  @Test
  void watch_onAFront_isRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> plan("--broker", "amqp://127.0.0.1:5672", "--role", "front", "--watch"));
    assertEquals("--watch rolls a local pool's children; --role front has none", e.getMessage());
  }

  @Test
  void role_withoutBroker_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> plan("--role", "worker"));
    assertEquals("--role needs --broker", e.getMessage());
  }

  @Test
  void brokerTrustStore_withoutBroker_isRefused_withBroker_isPlanned() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> plan("--broker-trust-store", "ca.pem"));
    assertEquals("--broker-trust-store needs --broker", e.getMessage());
    ServePlan plan =
        plan("--broker", "amqps://broker.example:5671", "--broker-trust-store", "ca.pem");
    assertEquals(java.nio.file.Path.of("ca.pem"), plan.brokerTrustStore());
  }

  @Test
  void missingJar_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> plan("--jobs", "no-such.jar"));
    assertEquals("--jobs no-such.jar: no such readable file", e.getMessage());
  }

  @Test
  void badCombination_isRefusedBeforeAnythingStarts() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> plan("--children", "4", "--max-children", "2"));
    assertTrue(e.getMessage().contains("maxChildren"), e.getMessage());
  }

  @Test
  void externalDatabase_andBrowserAllowLists_areKept() {
    ServePlan plan =
        plan(
            "--db-url",
            "jdbc:postgresql://127.0.0.1/test",
            "--db-user",
            "u",
            "--allowed-host",
            "pool.internal",
            "--allowed-origin",
            "https://app.example");
    assertFalse(plan.database().embedded());
    assertEquals("jdbc:postgresql://127.0.0.1/test", plan.database().url());
    assertEquals(List.of("pool.internal"), plan.http().allowedHosts());
    assertEquals(List.of("https://app.example"), plan.http().allowedOrigins());
  }
}
