package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that closes while it holds more deliveries than it has children, against the real local
 * RabbitMQ: what becomes of the deliveries whose jobs never started here.
 */
class WorkerCloseIT {
  private static final String PG =
      System.getenv()
          .getOrDefault(
              "PROCPOOL_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private final String queue = "procpool.close-it." + System.nanoTime();
  private final RabbitTopology topology = new RabbitTopology(queue, 5, 1_000);
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final List<Rendezvous> rendezvous = new ArrayList<>();
  private Connection client;

  @BeforeEach
  void connect() throws Exception {
    client = Broker.connect("procpool-test-client", false);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Rendezvous r : rendezvous) {
      r.close();
    }
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    try (Channel channel = client.createChannel()) {
      channel.queueDelete(queue);
      channel.queueDelete(queue + ".dead");
    }
    client.close();
  }

  private ProcessPool pool() {
    ProcessPool pool =
        ProcessPool.builder()
            .children(2)
            .jobTimeout(Duration.ofSeconds(60))
            .startTimeout(Duration.ofMinutes(2)) // a shared 2-core host may be very busy
            // The test class path's handlers include RecordEffect, which opens this database.
            .childEnvironment("PROCPOOL_DB_URL", PG)
            .start();
    closing.add(pool);
    return pool;
  }

  private RabbitWorker worker(ProcessPool pool, String name) throws Exception {
    Connection connection = Broker.connect(name, false);
    closing.add(connection::abort);
    RabbitWorker worker = RabbitWorker.start(connection, pool, topology, Set.of());
    closing.add(() -> worker.close(Duration.ofSeconds(5)));
    return worker;
  }

  @Test
  void poolResized_prefetchFollowsTheNewSize() throws Exception {
    ProcessPool pool =
        ProcessPool.builder()
            .children(1)
            .pipelining(false) // depth 1: the prefetch is the children, exactly
            .startTimeout(Duration.ofMinutes(2))
            .childEnvironment("PROCPOOL_DB_URL", PG)
            .start();
    closing.add(pool);
    RabbitWorker worker = worker(pool, "procpool-test-worker-resize");
    assertEquals(1, worker.prefetch());
    pool.resize(3).get(2, TimeUnit.MINUTES);
    RabbitJobClient jobs = RabbitJobClient.connect(client, topology, Duration.ofMinutes(2), 100);
    closing.add(jobs);
    // The prefetch is checked as deliveries settle.
    for (int i = 0; i < 3; i++) {
      jobs.submit(Job.of("echo", new byte[] {(byte) i})).get(60, TimeUnit.SECONDS);
    }
    Broker.await("prefetch 3 after the resize", 30, () -> worker.prefetch() == 3);
  }

  /**
   * The drain ends with both children still in their job and two more held: the channel closes, the
   * broker requeues all four. The two held jobs never start here (the pool skips them); the second
   * worker runs each of them once and each is answered once. The two that were running are killed
   * with their children and run again there: a job still running when the drain ends is given back
   * too, as if the host had died (at-least-once).
   */
  @Test
  void close_drainEndsWithJobsHeld_heldOnesNeverStartHere_secondWorkerAnswersEachOnce()
      throws Exception {
    ProcessPool firstPool = pool();
    RabbitWorker first = worker(firstPool, "procpool-test-worker-1");
    int prefetch = first.prefetch();
    assertEquals(Prefetch.of(2, firstPool.depth()), prefetch);
    assertTrue(prefetch > 2, "the worker holds more deliveries than its 2 children: " + prefetch);
    RabbitJobClient jobs = RabbitJobClient.connect(client, topology, Duration.ofMinutes(2), 100);
    closing.add(jobs);
    int n = prefetch + 2; // two stay in the queue
    List<CompletableFuture<byte[]>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Rendezvous r = new Rendezvous();
      rendezvous.add(r);
      answers.add(jobs.submit(Job.of("rendezvous", r.port())));
    }
    Broker.await(
        "two jobs running, the rest of the prefetch held",
        60,
        () -> started().size() == 2 && first.inFlight() == prefetch);
    Set<Long> firstPids = Set.copyOf(started().stream().map(Start::pid).toList());
    List<Integer> ranFirst = started().stream().map(Start::job).toList();

    first.close(Duration.ofMillis(300)); // both children are still in their job
    assertEquals(0, first.inFlight());
    assertFalse(first.consuming());

    worker(pool(), "procpool-test-worker-2");
    rendezvous.forEach(Rendezvous::release);
    for (CompletableFuture<byte[]> answer : answers) {
      assertEquals("1", new String(answer.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    for (int i = 0; i < n; i++) {
      List<Long> pids = rendezvous.get(i).pids();
      if (ranFirst.contains(i)) {
        assertEquals(2, pids.size(), "job " + i + " ran here, was killed, ran there: " + pids);
        assertTrue(firstPids.contains(pids.get(0)), "job " + i + ": " + pids);
      } else {
        assertEquals(1, pids.size(), "job " + i + " started once: " + pids);
        assertFalse(firstPids.contains(pids.get(0)), "job " + i + " never started here");
      }
    }
    Broker.await("no job outstanding", 10, () -> jobs.outstanding() == 0);
    assertEquals(0, jobs.ignoredAnswers(), "no job answered twice");
    try (Channel channel = client.createChannel()) {
      assertEquals(0, channel.queueDeclarePassive(queue + ".dead").getMessageCount());
    }
  }

  private record Start(int job, long pid) {}

  private List<Start> started() {
    List<Start> all = new ArrayList<>();
    for (int i = 0; i < rendezvous.size(); i++) {
      for (long pid : rendezvous.get(i).pids()) {
        all.add(new Start(i, pid));
      }
    }
    return all;
  }

  /**
   * One job's end of the {@code rendezvous} fixture: records the pid of every child that starts the
   * job, holds it until released, then answers every later start at once.
   */
  private static final class Rendezvous implements AutoCloseable {
    private final ServerSocket server;
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final List<Socket> waiting = new CopyOnWriteArrayList<>();
    private volatile boolean released;

    Rendezvous() throws IOException {
      server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::accept, "rendezvous-" + server.getLocalPort());
      accept.setDaemon(true);
      accept.start();
    }

    byte[] port() {
      return Integer.toString(server.getLocalPort()).getBytes(StandardCharsets.UTF_8);
    }

    List<Long> pids() {
      return List.copyOf(pids);
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          String pid =
              new BufferedReader(
                      new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                  .readLine();
          pids.add(Long.parseLong(pid));
          waiting.add(socket);
          if (released) {
            release();
          }
        } catch (IOException | RuntimeException e) {
          return; // closed
        }
      }
    }

    synchronized void release() {
      released = true;
      for (Socket socket : waiting) {
        try {
          socket.getOutputStream().write(1);
          socket.getOutputStream().flush();
        } catch (IOException e) {
          // its child was killed: nothing waits on it
        }
        waiting.remove(socket);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : waiting) {
        socket.close();
      }
    }
  }
}
