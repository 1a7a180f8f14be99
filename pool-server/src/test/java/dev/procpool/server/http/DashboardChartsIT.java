package dev.procpool.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procpool.FailureCode;
import dev.procpool.Job;
import dev.procpool.ProcessPool;
import dev.procpool.server.testing.HeadlessChromium;
import dev.procpool.testing.Outcomes;
import dev.procpool.testsupport.OutsideServices;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium after load: the charts are drawn at once from the
 * server's history (non-empty SVG paths), the job-type table fills from the meters, and a child's
 * death is listed with its crash report. Leaves target/dashboard.png to look at.
 */
class DashboardChartsIT {
  private static final String CHARTS_DRAWN =
      "['queueChart','childrenChart','rateChart'].every(id => [...document.querySelectorAll('#' + id"
          + " + ' path')].some(p => (p.getAttribute('d') || '').split('L').length > 2))";

  @Test
  void afterLoad_chartsDrawnFromHistory_typesListed_deathExpandable() throws Exception {
    Path chromium = OutsideServices.chromium();
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HttpSettings settings =
        new HttpSettings(
            "127.0.0.1",
            0,
            1 << 20,
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            prometheus,
            null,
            false);
    try (ProcessPool pool =
            ProcessPool.builder().name("charts").children(2).meterRegistry(prometheus).start();
        HttpFrontEnd http = HttpFrontEnd.start(pool, settings);
        HeadlessChromium browser = new HeadlessChromium(chromium)) {
      // Load before any page is open: the server samples it anyway (one sample a second).
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      for (int round = 0; round < 1000 && System.nanoTime() < until; round++) {
        List<CompletableFuture<byte[]>> wave = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          wave.add(pool.submit(Job.of("echo", new byte[] {1})));
        }
        wave.add(pool.submit(Job.of("sleep", Outcomes.utf8("20"))));
        CompletableFuture.allOf(wave.toArray(new CompletableFuture<?>[0]))
            .get(60, TimeUnit.SECONDS);
      }
      Outcomes.failure(pool.submit(Job.of("throw", Outcomes.utf8("no"))), FailureCode.JOB_FAILED);
      Outcomes.failure(pool.submit(Job.of("exit", Outcomes.utf8("3"))), FailureCode.CHILD_CRASHED);

      browser.navigate("http://127.0.0.1:" + http.port() + "/");
      assertEquals(
          "true",
          browser.awaitValue("typeof h !== 'undefined' && h.t.length >= 4", "true", 5),
          "the history arrived as the stream opened, before a second of live data");
      assertEquals("true", browser.awaitValue(CHARTS_DRAWN, "true", 10), "every chart has a line");
      assertEquals(
          "true",
          browser.awaitValue(
              "[...document.querySelectorAll('#types tbody td:first-child')]"
                  + ".some(td => td.textContent === 'echo')",
              "true",
              10),
          "the echo type has its row");
      assertEquals(
          "true",
          browser.awaitValue(
              "document.querySelector('#types tbody').textContent.includes('JOB_FAILED')",
              "true",
              10),
          "failures by code");
      assertEquals(
          "true",
          browser.awaitValue(
              "document.querySelectorAll('#deaths details').length >= 1"
                  + " && document.querySelector('#deaths summary').textContent.includes('exit 3')",
              "true",
              20),
          "the death is listed");
      browser.evaluate("document.querySelector('#deaths details').open = true; 1");
      assertEquals(
          "true",
          browser.evaluate(
              "document.querySelector('#deaths details[open] pre').getClientRects().length > 0"),
          "its crash report expands");
      // Let the live ticks run past the history's end, then keep a picture for people.
      browser.awaitValue("h.t.length >= 8", "true", 10);
      Path png = Path.of("target", "dashboard.png");
      browser.screenshot(png, 1400, 1400);
      assertTrue(Files.size(png) > 10_000, "a screenshot of the page");
    }
  }
}
