package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.server.testing.HeadlessChromium;
import dev.procpool.testing.ReadyChildren;
import dev.procpool.testsupport.OutsideServices;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium: it shows the children, moves with jobs, and its
 * controls work.
 */
class DashboardIT {
  private static final String TOKEN = "dashboard-token-0123456789";

  @Test
  void dashboard_showsChildren_countsJobs_restartButtonRollsChildren() throws Exception {
    Path chromium = OutsideServices.chromium();
    try (ProcessPool pool = ProcessPool.builder().children(2).start();
        HttpFrontEnd http =
            HttpFrontEnd.start(pool, HttpSettings.loopback(0).withAdminToken(TOKEN));
        HeadlessChromium browser = new HeadlessChromium(chromium)) {
      browser.navigate("http://127.0.0.1:" + http.port() + "/#token=" + TOKEN);
      assertEquals(
          "2",
          browser.awaitValue("document.querySelectorAll('#children tbody tr').length", "2", 20),
          "the page lists both children");

      for (int i = 0; i < 7; i++) {
        pool.submit(Job.of("echo", new byte[] {1})).get(30, TimeUnit.SECONDS);
      }
      long done = pool.status().get(10, TimeUnit.SECONDS).completed();
      assertEquals(
          "\"" + done + "\"",
          browser.awaitValue(
              "document.getElementById('completed').textContent", "\"" + done + "\"", 20),
          "the completed counter moved with the jobs");

      browser.evaluate(
          "document.getElementById('token').value = 'not-the-token'; document.getElementById('restart').click(); 1");
      String refused =
          browser.awaitValue(
              "document.getElementById('message').textContent.slice(0, 3)", "\"401\"", 20);
      assertEquals("\"401\"", refused, "a wrong token is refused");

      Set<Long> before = ReadyChildren.pids(pool);
      browser.evaluate(
          "document.getElementById('token').value = '"
              + TOKEN
              + "'; document.getElementById('restart').click(); 1");
      assertEquals(
          "\"restarted\"",
          browser.awaitValue(
              "document.getElementById('message').textContent", "\"restarted\"", 60));
      Set<Long> after = ReadyChildren.pids(pool);
      assertEquals(2, after.size());
      after.retainAll(before);
      assertTrue(after.isEmpty(), "the page's restart rolled every child");
    }
  }
}
