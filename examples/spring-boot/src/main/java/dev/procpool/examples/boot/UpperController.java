package dev.procpool.examples.boot;

import dev.procpool.Job;
import dev.procpool.ProcessPool;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** GET /upper?text=... runs the "upper" job in a child; the request thread is freed meanwhile. */
@RestController
public class UpperController {
  private final ProcessPool pool;

  public UpperController(ProcessPool pool) {
    this.pool = pool;
  }

  @GetMapping("/upper")
  public CompletableFuture<Map<String, Object>> upper(@RequestParam String text) {
    return pool.submit(Job.of("upper", text.getBytes(StandardCharsets.UTF_8)))
        .thenApply(reply -> {
          String[] pidAndText = new String(reply, StandardCharsets.UTF_8).split(":", 2);
          return Map.of(
              "result", pidAndText[1],
              "childPid", Long.parseLong(pidAndText[0]),
              "appPid", ProcessHandle.current().pid());
        });
  }
}
