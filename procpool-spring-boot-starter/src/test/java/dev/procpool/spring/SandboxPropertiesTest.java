package dev.procpool.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procpool.PoolConfig;
import dev.procpool.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code procpool.sandbox.*} binds to the library's {@link Sandbox}, one property per setting. */
class SandboxPropertiesTest {
  private static PoolConfig bind(Map<String, String> properties) {
    ProcpoolProperties p =
        new Binder(new MapConfigurationPropertySource(properties))
            .bindOrCreate("procpool", ProcpoolProperties.class);
    return PoolConfigFactory.build(
        p,
        Duration.ofSeconds(10),
        null,
        name -> {
          throw new AssertionError("no executor expected: " + name);
        });
  }

  @Test
  void unset_sandboxOff() {
    assertEquals(Sandbox.off(), bind(Map.of("procpool.children", "1")).sandbox());
  }

  @Test
  void everyProperty_reachesTheProfile() {
    PoolConfig config =
        bind(
            Map.of(
                "procpool.sandbox.enabled", "true",
                "procpool.sandbox.host-network", "true",
                "procpool.sandbox.read-only", "/srv/models",
                "procpool.sandbox.writable", "/srv/scratch",
                "procpool.sandbox.tmp-size", "16MB",
                "procpool.sandbox.max-processes", "256",
                "procpool.sandbox.memory", "512MB",
                "procpool.sandbox.max-open-files", "1024",
                "procpool.sandbox.bwrap", "/opt/bin/bwrap"));
    Sandbox expected =
        Sandbox.builder()
            .hostNetwork(true)
            .readOnly(Path.of("/srv/models"))
            .writable(Path.of("/srv/scratch"))
            .tmpSizeBytes(16L << 20)
            .maxProcesses(256)
            .memoryBytes(512L << 20)
            .maxOpenFiles(1024)
            .bwrap(Path.of("/opt/bin/bwrap"))
            .build();
    assertEquals(expected, config.sandbox());
  }
}
