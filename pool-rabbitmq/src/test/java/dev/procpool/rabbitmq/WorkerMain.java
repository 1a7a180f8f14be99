package dev.procpool.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.procpool.ProcessPool;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * A worker host for the tests: a pool of 2 children consuming the queue named in args[0], with the
 * children's database in args[1], on the broker in args[2]. Prints {@code ready}, then {@code
 * max-in-flight=N} whenever the most deliveries it ran at once grows; runs until its standard input
 * closes, then drains.
 */
public final class WorkerMain {
  public static void main(String[] args) throws Exception {
    RabbitTopology topology = new RabbitTopology(args[0], 3, 100_000);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(args[2]);
    factory.setRequestedHeartbeat(2); // a stopped worker is noticed within seconds
    try (ProcessPool pool =
            ProcessPool.builder().children(2).childEnvironment("PROCPOOL_DB_URL", args[1]).start();
        Connection connection = factory.newConnection("procpool-test-worker")) {
      RabbitWorker worker = RabbitWorker.start(connection, pool, topology, Set.of("exit"));
      System.out.println("ready");
      System.out.flush();
      Thread watcher =
          new Thread(
              () -> {
                int reported = 0;
                while (!Thread.currentThread().isInterrupted()) {
                  int max = worker.maxInFlight();
                  if (max > reported) {
                    reported = max;
                    System.out.println("max-in-flight=" + max);
                    System.out.flush();
                  }
                  try {
                    Thread.sleep(5);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      watcher.setDaemon(true);
      watcher.start();
      try {
        while (System.in.read() >= 0) {
          // until the test closes our standard input
        }
      } catch (IOException e) {
        // the same
      }
      worker.close(Duration.ofSeconds(20));
    }
  }
}
