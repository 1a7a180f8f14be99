package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.PoolException;
import dev.procpool.ProcessPool;
import dev.procpool.child.fixtures.FailOpenWhenFlagged;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker against the real local RabbitMQ, attacked and broken from outside: oversized failure
 * headers, a broker that closes its connection or channel or deletes its queue, a pool that cannot
 * start children, a host lacking a type, a hostile reply-to, a long timeout header.
 */
class RabbitWorkerIT {
  private static final String PG =
      System.getenv()
          .getOrDefault(
              "PROCPOOL_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private final String queue = "procpool.worker-it." + System.nanoTime();
  private final String workerName = "procpool-test-worker-" + System.nanoTime();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private Connection client;

  @BeforeEach
  void connect() throws Exception {
    client = Broker.connect("procpool-test-client", false);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    try (Channel channel = client.createChannel()) {
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dead");
    }
    client.close();
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    closing.add(resource);
    return resource;
  }

  private ProcessPool pool(int children, String... jvmOptions) {
    return closeLater(
        ProcessPool.builder()
            .children(children)
            .jobTimeout(Duration.ofSeconds(3))
            .spawnFailureLimit(2)
            // The test class path's handlers include RecordEffect, which opens this database.
            .childEnvironment("PROCPOOL_DB_URL", PG)
            .childJvmOptions(jvmOptions)
            .start());
  }

  private RabbitWorker worker(ProcessPool pool, int deliveryLimit, boolean recovering)
      throws Exception {
    Connection connection = Broker.connect(workerName, recovering);
    closing.add(connection::abort); // close() throws if the broker closed it already
    RabbitWorker worker =
        RabbitWorker.start(
            connection, pool, new RabbitTopology(queue, deliveryLimit, 1_000), Set.of());
    closing.add(() -> worker.close(Duration.ofSeconds(5)));
    return worker;
  }

  private RabbitJobClient jobClient(int deliveryLimit) throws Exception {
    return closeLater(
        RabbitJobClient.connect(
            client, new RabbitTopology(queue, deliveryLimit, 1_000), Duration.ofSeconds(60), 100));
  }

  private static String echo(RabbitJobClient jobs, String text, long seconds) throws Exception {
    return new String(
        jobs.submit(Job.of("echo", text.getBytes(StandardCharsets.UTF_8)))
            .get(seconds, TimeUnit.SECONDS),
        StandardCharsets.UTF_8);
  }

  private static PoolException failure(CompletableFuture<byte[]> job, long seconds) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> job.get(seconds, TimeUnit.SECONDS));
    return (PoolException) e.getCause();
  }

  @Test
  void failureOf200Kb_headerCut_wholeMessageInTheBody_nextJobAnswered() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, false);
    RabbitJobClient jobs = jobClient(5);
    String huge = "not a number ".repeat(16_000); // ~200 KB, past the broker's 128 KiB frame
    PoolException e =
        failure(jobs.submit(Job.of("throw", huge.getBytes(StandardCharsets.UTF_8))), 30);
    assertEquals(FailureCode.JOB_FAILED, e.code());
    assertTrue(e.getMessage().contains(huge.trim()), "the whole message came back in the body");
    assertEquals("next", echo(jobs, "next", 20), "the one child's slot was released");
    assertEquals(0, worker.unanswerableDeliveries());
  }

  @Test
  void brokerClosesTheConnection_problemReported_consumptionResumes() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, true);
    RabbitJobClient jobs = jobClient(5);
    assertEquals("before", echo(jobs, "before", 30));
    Broker.closeConnection(workerName);
    Broker.await("a new channel", 30, () -> worker.channelsOpened() >= 2 && worker.consuming());
    assertEquals("after", echo(jobs, "after", 30));
    assertTrue(worker.problem().isEmpty(), worker.problem().toString());
  }

  @Test
  void connectionClosedForGood_workerReportsItIsNotConsuming() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, false); // no automatic recovery
    assertTrue(worker.problem().isEmpty(), worker.problem().toString());
    Broker.closeConnection(workerName);
    Broker.await("a problem reported", 30, () -> worker.problem().isPresent());
    assertTrue(worker.problem().get().contains("not consuming"), worker.problem().get());
    assertFalse(worker.consuming());
  }

  @Test
  void brokerClosesTheChannel_channelReopened_consumptionResumes() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, false);
    RabbitJobClient jobs = jobClient(5);
    // An ack of a tag never delivered: the broker closes the channel (PRECONDITION_FAILED).
    worker.link().channel().basicAck(424_242, false);
    Broker.await("a new channel", 30, () -> worker.channelsOpened() >= 2 && worker.consuming());
    assertEquals("after", echo(jobs, "after", 30));
  }

  @Test
  void brokerClosesTheClientsChannel_reopened_jobsAnswered() throws Exception {
    worker(pool(1), 5, false);
    RabbitJobClient jobs = jobClient(5);
    assertEquals("before", echo(jobs, "before", 30));
    jobs.channel().basicAck(424_242, false); // PRECONDITION_FAILED: the broker closes it
    Broker.await(
        "the client's channel reopened",
        30,
        () -> jobs.channelsReopened() == 1 && jobs.problem().isEmpty());
    assertEquals("after", echo(jobs, "after", 30));
  }

  @Test
  void queueDeleted_declaredAgain_consumerRegisteredAgain() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, false);
    try (Channel channel = client.createChannel()) {
      channel.queueDelete(queue);
    }
    Broker.await("a new channel", 30, () -> worker.channelsOpened() >= 2 && worker.consuming());
    assertEquals("after", echo(jobClient(5), "after", 30));
  }

  @Test
  void poolCannotStartChildren_consumerCancelled_jobWaits_thenServedWhenHealed(@TempDir Path dir)
      throws Exception {
    Path flag = dir.resolve("fail-open");
    ProcessPool pool = pool(1, "-D" + FailOpenWhenFlagged.PROPERTY + "=" + flag);
    RabbitWorker worker = worker(pool, 5, false);
    RabbitJobClient jobs = jobClient(5);
    long pid =
        Long.parseLong(
            new String(
                pool.submit(Job.of("pid", new byte[0])).get(30, TimeUnit.SECONDS),
                StandardCharsets.UTF_8));
    Files.createFile(flag);
    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // its replacements cannot start
    Broker.await("the pool's problem", 60, () -> pool.problem().isPresent());
    Broker.await("the consumer cancelled", 30, () -> !worker.consuming());
    assertTrue(worker.problem().orElseThrow().contains("not consuming"), worker.problem().get());
    CompletableFuture<byte[]> waiting =
        jobs.submit(Job.of("echo", "later".getBytes(StandardCharsets.UTF_8)));
    try (Channel channel = client.createChannel()) {
      Broker.await("the job confirmed", 30, () -> messages(channel) == 1);
      assertEquals(0, channel.queueDeclarePassive(queue).getConsumerCount());
    }
    assertFalse(waiting.isDone(), "the job waits in the queue rather than failing");
    Files.delete(flag);
    assertEquals("later", new String(waiting.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    assertTrue(worker.consuming());
  }

  private long messages(Channel channel) {
    try {
      return channel.queueDeclarePassive(queue).getMessageCount();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void hostLackingAType_leavesItsJobsToAHostThatServesIt() throws Exception {
    RabbitWorker worker = worker(pool(1), 20, false);
    RabbitJobClient jobs = jobClient(20);
    List<CompletableFuture<byte[]>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(jobs.submit(Job.of("elsewhere", ("job " + i).getBytes(StandardCharsets.UTF_8))));
    }
    Broker.await("a job given back", 30, () -> worker.requeuedDeliveries() >= 1);
    // Another host, serving the type: a plain consumer answering each job itself.
    Channel other = closeLater(client.createChannel());
    other.basicQos(10);
    other.basicConsume(
        queue,
        false,
        new DefaultConsumer(other) {
          @Override
          public void handleDelivery(
              String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
              throws java.io.IOException {
            other.basicPublish(
                "",
                properties.getReplyTo(),
                new AMQP.BasicProperties.Builder()
                    .correlationId(properties.getCorrelationId())
                    .build(),
                ("served " + new String(body, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8));
            other.basicAck(envelope.getDeliveryTag(), false);
          }
        });
    for (int i = 0; i < 5; i++) {
      assertEquals(
          "served job " + i,
          new String(answers.get(i).get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8),
          "no job was failed by the host that lacks the type");
    }
  }

  @Test
  void typeNoHostServes_answeredOnceOnItsLastDelivery() throws Exception {
    RabbitWorker worker = worker(pool(1), 3, false);
    PoolException e = failure(jobClient(3).submit(Job.of("no.such.type", new byte[0])), 60);
    assertEquals(FailureCode.UNKNOWN_JOB_TYPE, e.code());
    assertEquals(2, worker.requeuedDeliveries(), "given back twice, answered on the third");
    try (Channel channel = client.createChannel()) {
      assertEquals(0, channel.queueDeclarePassive(queue + ".dead").getMessageCount());
    }
  }

  @Test
  void replyToAnOrdinaryQueue_refusedUnrun_deadLettered() throws Exception {
    RabbitWorker worker = worker(pool(1), 5, false);
    String victim = queue + ".victim";
    try (Channel channel = client.createChannel()) {
      channel.queueDeclare(victim, false, false, true, null);
      channel.basicPublish(
          RabbitTopology.EXCHANGE,
          queue,
          new AMQP.BasicProperties.Builder()
              .replyTo(victim)
              .correlationId("c1")
              .headers(Map.of(Wire.TYPE, "echo"))
              .build(),
          "injected".getBytes(StandardCharsets.UTF_8));
      Broker.await(
          "the delivery dead-lettered",
          30,
          () -> {
            try {
              return channel.queueDeclarePassive(queue + ".dead").getMessageCount() == 1;
            } catch (java.io.IOException e) {
              throw new AssertionError(e);
            }
          });
      assertEquals(
          0, channel.queueDeclarePassive(victim).getMessageCount(), "nothing written there");
      assertEquals(1, worker.refusedDeliveries());
      channel.queueDelete(victim);
    }
  }

  @Test
  void timeoutHeaderLongerThanTheWorkers_cappedAtTheWorkersJobTimeout() throws Exception {
    worker(pool(1), 5, false); // jobTimeout 3 s
    long started = System.nanoTime();
    PoolException e =
        failure(
            jobClient(5)
                .submit(
                    Job.of("sleep", "30000".getBytes(StandardCharsets.UTF_8))
                        .withTimeout(Duration.ofMinutes(10))),
            30);
    assertEquals(FailureCode.JOB_TIMEOUT, e.code());
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20), "capped at 3 s");
  }

  @Test
  void answerWithoutCorrelationId_ignoredAndCounted_realAnswerStillTaken() throws Exception {
    RabbitJobClient jobs = jobClient(5); // no worker: the test answers by hand
    CompletableFuture<byte[]> job =
        jobs.submit(Job.of("echo", "hi".getBytes(StandardCharsets.UTF_8)));
    try (Channel channel = client.createChannel()) {
      GetResponse[] got = new GetResponse[1];
      Broker.await("the job in the queue", 30, () -> (got[0] = get(channel)) != null);
      String replyTo = got[0].getProps().getReplyTo();
      channel.basicPublish(
          "",
          replyTo,
          new AMQP.BasicProperties.Builder().build(),
          "stray".getBytes(StandardCharsets.UTF_8));
      Broker.await("the stray counted", 30, () -> jobs.ignoredAnswers() == 1);
      assertFalse(job.isDone());
      channel.basicPublish(
          "",
          replyTo,
          new AMQP.BasicProperties.Builder()
              .correlationId(got[0].getProps().getCorrelationId())
              .build(),
          "real".getBytes(StandardCharsets.UTF_8));
      assertEquals("real", new String(job.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
  }

  private GetResponse get(Channel channel) {
    try {
      return channel.basicGet(queue, true);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void answeredJobs_leaveNoTimeoutTaskBehind() throws Exception {
    worker(pool(2), 5, false);
    RabbitJobClient jobs = jobClient(5);
    List<CompletableFuture<byte[]>> answers = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      answers.add(jobs.submit(Job.of("echo", new byte[] {(byte) i})));
    }
    for (CompletableFuture<byte[]> answer : answers) {
      answer.get(60, TimeUnit.SECONDS);
    }
    // A future's get() may return a moment before its completion callbacks have run.
    Broker.await(
        "timeout tasks removed as their jobs finished", 10, () -> jobs.pendingTimeouts() == 0);
    assertEquals(0, jobs.outstanding());
  }
}
