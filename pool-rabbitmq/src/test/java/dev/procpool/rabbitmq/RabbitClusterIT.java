package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.testing.Descendants;
import dev.procpool.testsupport.OutsideServices;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pools on three worker hosts (separate JVMs) share one quorum queue on the local RabbitMQ; a
 * client submits through the broker. Every job's side effect lands in PostgreSQL exactly once,
 * thanks to the handler's idempotency guard, even when a worker is SIGKILLed mid-load.
 */
class RabbitClusterIT {
  private String pg;
  private String amqp;
  private final String queue = "procpool.it." + System.nanoTime();
  private final List<Process> workers = new ArrayList<>();
  private final List<AtomicInteger> maxInFlight = new ArrayList<>();
  private Connection connection;

  @BeforeEach
  void setUp() throws Exception {
    pg = OutsideServices.postgres().jdbcUrl(); // without them: skipped (failed under CI)
    amqp = OutsideServices.rabbitmq().uri();
    try (java.sql.Connection db = DriverManager.getConnection(pg);
        Statement sql = db.createStatement()) {
      sql.execute(
          "CREATE TABLE IF NOT EXISTS "
              + RecordEffect.TABLE
              + " (job_key TEXT PRIMARY KEY, pid BIGINT)");
      sql.execute("DELETE FROM " + RecordEffect.TABLE + " WHERE job_key LIKE '" + queue + "%'");
    }
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(amqp);
    connection = factory.newConnection("procpool-test-client");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (connection == null) {
      return; // skipped: no broker or database
    }
    for (Process worker : workers) {
      worker.getOutputStream().close(); // graceful: drain and close
    }
    for (Process worker : workers) {
      if (!worker.waitFor(60, TimeUnit.SECONDS)) {
        worker.destroyForcibly();
      }
    }
    try (Channel channel = connection.createChannel()) {
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dead");
    }
    connection.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Descendants.alive().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100); // the workers' children are our grandchildren
    }
    assertEquals(List.of(), Descendants.alive());
  }

  private void startWorker() throws Exception {
    Process worker =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WorkerMain.class.getName(),
                queue,
                pg,
                amqp)
            .redirectErrorStream(true)
            .start();
    workers.add(worker);
    AtomicInteger max = new AtomicInteger();
    maxInFlight.add(max);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); ; line = out.readLine()) {
      assertTrue(line != null, "worker exited before it was ready");
      if (line.equals("ready")) {
        break;
      }
    }
    Thread reader =
        new Thread(
            () ->
                out.lines()
                    .forEach(
                        line -> {
                          if (line.startsWith("max-in-flight=")) {
                            max.set(Integer.parseInt(line.substring("max-in-flight=".length())));
                          }
                        }));
    reader.setDaemon(true);
    reader.start();
  }

  @Test
  void threeWorkers_twoThousandJobs_oneKilledMidLoad_everyEffectOnce() throws Exception {
    for (int i = 0; i < 3; i++) {
      startWorker();
    }
    RabbitTopology topology = new RabbitTopology(queue, 3, 100_000);
    try (RabbitJobClient client =
        RabbitJobClient.connect(connection, topology, Duration.ofSeconds(120), 5_000)) {
      List<CompletableFuture<byte[]>> jobs = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        jobs.add(
            client.submit(Job.of("record", (queue + "-" + i).getBytes(StandardCharsets.UTF_8))));
        if (i == 600) {
          workers.get(0).destroyForcibly(); // SIGKILL a host mid-load
        }
      }
      for (int i = 0; i < 2_000; i++) {
        assertEquals(
            "done " + queue + "-" + i,
            new String(jobs.get(i).get(120, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      }
      assertEquals(0, client.outstanding());
    }
    assertEquals(2_000, effects(), "every side effect exactly once");
    // 2 children hold at most 2 × 16 jobs; twice that while a replaced consumer's jobs finish.
    int bound = 2 * Prefetch.of(2, 16);
    for (int i = 1; i < 3; i++) {
      assertTrue(
          maxInFlight.get(i).get() <= bound,
          "worker " + i + " held " + maxInFlight.get(i).get() + " jobs at once with 2 children");
      assertTrue(maxInFlight.get(i).get() >= 1, "worker " + i + " took part");
    }
  }

  /**
   * A worker stopped (SIGSTOP) under load looks dead to the broker after two missed heartbeats: its
   * unacked jobs go to the others. When it wakes (SIGCONT), its old channel is gone: it acks
   * nothing, and the idempotency guard keeps every effect single.
   */
  @Test
  void zombieWorker_stoppedThenContinued_jobsRedelivered_noDuplicateEffect() throws Exception {
    for (int i = 0; i < 3; i++) {
      startWorker();
    }
    RabbitTopology topology = new RabbitTopology(queue, 3, 100_000);
    try (RabbitJobClient client =
        RabbitJobClient.connect(connection, topology, Duration.ofSeconds(120), 5_000)) {
      List<CompletableFuture<byte[]>> jobs = new ArrayList<>();
      long zombie = workers.get(0).pid();
      for (int i = 0; i < 600; i++) {
        jobs.add(
            client.submit(Job.of("record", (queue + "-" + i).getBytes(StandardCharsets.UTF_8))));
        if (i == 200) {
          assertEquals(
              0, new ProcessBuilder("kill", "-STOP", Long.toString(zombie)).start().waitFor());
        }
      }
      Thread.sleep(
          8_000); // past two missed heartbeats (2 s each): the broker has given its jobs away
      assertEquals(0, new ProcessBuilder("kill", "-CONT", Long.toString(zombie)).start().waitFor());
      for (int i = 0; i < 600; i++) {
        assertEquals(
            "done " + queue + "-" + i,
            new String(jobs.get(i).get(120, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      }
    }
    assertEquals(600, effects(), "every side effect exactly once");
    assertTrue(workers.get(0).isAlive(), "the zombie woke up and lives on");
  }

  /** {@code rabbitmqctl stop_app} / {@code start_app}: client and worker recover by themselves. */
  @Test
  void brokerRestart_clientAndWorkerRecover_noJobLost() throws Exception {
    startWorker();
    RabbitTopology topology = new RabbitTopology(queue, 3, 100_000);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(amqp);
    factory.setNetworkRecoveryInterval(500);
    try (Connection recovering = factory.newConnection("procpool-test-recovering-client");
        RabbitJobClient client =
            RabbitJobClient.connect(recovering, topology, Duration.ofSeconds(60), 1_000)) {
      runRecords(client, 0, 100);
      try {
        rabbitmqctl("stop_app");
      } finally {
        rabbitmqctl("start_app"); // whatever happens, the broker comes back for the other tests
      }
      rabbitmqctl("await_startup");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) { // until the client's connection is back
        try {
          assertEquals(
              "done " + queue + "-probe",
              new String(
                  client
                      .submit(Job.of("record", (queue + "-probe").getBytes(StandardCharsets.UTF_8)))
                      .get(10, TimeUnit.SECONDS),
                  StandardCharsets.UTF_8));
          break;
        } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
          assertTrue(System.nanoTime() < deadline, "the client never recovered: " + notYet);
          Thread.sleep(500);
        }
      }
      runRecords(client, 100, 200);
    }
    assertEquals(201, effects(), "every job before and after the restart, and the probe");
  }

  /** Side effects recorded for this test's jobs. */
  private int effects() throws Exception {
    try (java.sql.Connection db = DriverManager.getConnection(pg);
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT count(*) FROM "
                    + RecordEffect.TABLE
                    + " WHERE job_key LIKE '"
                    + queue
                    + "-%'")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private void runRecords(RabbitJobClient client, int from, int to) throws Exception {
    List<CompletableFuture<byte[]>> jobs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      jobs.add(client.submit(Job.of("record", (queue + "-" + i).getBytes(StandardCharsets.UTF_8))));
    }
    for (int i = 0; i < jobs.size(); i++) {
      assertEquals(
          "done " + queue + "-" + (from + i),
          new String(jobs.get(i).get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
  }

  private static void rabbitmqctl(String command) throws Exception {
    Process ctl =
        new ProcessBuilder("rabbitmqctl", "-q", command).redirectErrorStream(true).start();
    String out = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(ctl.waitFor(120, TimeUnit.SECONDS), "rabbitmqctl " + command + " hung");
    assertEquals(0, ctl.exitValue(), "rabbitmqctl " + command + ": " + out);
  }

  @Test
  void poisonJob_deadLetteredAfterTheDeliveryLimit() throws Exception {
    startWorker();
    RabbitTopology topology = new RabbitTopology(queue, 3, 100_000);
    try (RabbitJobClient client =
            RabbitJobClient.connect(connection, topology, Duration.ofSeconds(60), 100);
        Channel channel = connection.createChannel()) {
      CompletableFuture<byte[]> poison =
          client.submit(Job.of("exit", "1".getBytes(StandardCharsets.UTF_8)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (channel.queueDeclarePassive(topology.deadLetterQueue()).getMessageCount() < 1) {
        assertTrue(
            System.nanoTime() < deadline,
            "the poison job never reached " + topology.deadLetterQueue());
        Thread.sleep(100);
      }
      assertEquals(0, channel.queueDeclarePassive(queue).getMessageCount());
      assertTrue(!poison.isDone() || poison.isCompletedExceptionally());
      CompletableFuture<byte[]> fine =
          client.submit(Job.of("echo", "still here".getBytes(StandardCharsets.UTF_8)));
      assertEquals(
          "still here", new String(fine.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
  }

  @Test
  void unknownType_sameCodeAsALocalPool() throws Exception {
    startWorker();
    try (RabbitJobClient client =
        RabbitJobClient.connect(
            connection, new RabbitTopology(queue, 3, 100_000), Duration.ofSeconds(60), 10)) {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class,
              () -> client.submit(Job.of("no.such.type", new byte[0])).get(60, TimeUnit.SECONDS));
      assertEquals(FailureCode.UNKNOWN_JOB_TYPE, ((PoolException) e.getCause()).code());
    }
  }

  @Test
  void queueAtMaxLength_publishRefused_queueFull() throws Exception {
    RabbitTopology tiny = new RabbitTopology(queue, 3, 2); // no worker: nothing drains it
    try (RabbitJobClient client =
        RabbitJobClient.connect(connection, tiny, Duration.ofSeconds(60), 100)) {
      // A quorum queue applies its length limit a moment after the leader sees it exceeded: a
      // burst may overshoot, but once over, every publish is refused.
      for (int i = 0; i < 3; i++) {
        client.submit(Job.of("echo", new byte[0]));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        CompletableFuture<byte[]> more = client.submit(Job.of("echo", new byte[0]));
        try {
          more.get(2, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          assertEquals(
              FailureCode.QUEUE_FULL,
              ((PoolException) e.getCause()).code(),
              e.getCause().getMessage());
          return;
        } catch (java.util.concurrent.TimeoutException stillWaiting) {
          // taken by the broker (no worker answers): the queue is not refusing yet
        }
        assertTrue(
            System.nanoTime() < deadline, "the broker never refused a publish over the limit");
      }
    }
  }
}
