package dev.procpool.spring;

import dev.procpool.ProcessPool;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * One {@link ProcessPool} bean from {@code procpool.*}, its meters on the application's {@link
 * MeterRegistry}, an Actuator health indicator named {@code procpool}, and a drain on shutdown. An
 * application that defines its own {@code ProcessPool} bean gets none of this.
 *
 * <p>Handlers are found as the library finds them: {@code META-INF/services} entries in the
 * application's own jar or its dependencies, in a plain or a Spring Boot executable jar.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(ProcessPool.class)
@ConditionalOnBooleanProperty(name = "procpool.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ProcpoolProperties.class)
public class ProcpoolAutoConfiguration {
  /** Boot's default for {@code spring.lifecycle.timeout-per-shutdown-phase}. */
  private static final Duration BOOT_PHASE_DEFAULT = Duration.ofSeconds(30);

  /** Left of Boot's phase after the drain, for closing sockets and killing stragglers. */
  private static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ProcessPool processPool(
      ProcpoolProperties properties,
      ObjectProvider<MeterRegistry> registry,
      Environment environment,
      BeanFactory beans) {
    Duration phase =
        environment.getProperty(
            "spring.lifecycle.timeout-per-shutdown-phase", Duration.class, BOOT_PHASE_DEFAULT);
    return ProcessPool.start(
        PoolConfigFactory.build(
            properties,
            drainTimeout(properties, phase),
            registry.getIfAvailable(),
            name -> beans.getBean(name, Executor.class)));
  }

  @Bean
  @ConditionalOnMissingBean
  public ProcessPoolLifecycle processPoolLifecycle(ProcessPool pool) {
    return new ProcessPoolLifecycle(pool);
  }

  /** The drain must end inside Boot's shutdown phase, or Boot moves on while jobs still run. */
  static Duration drainTimeout(ProcpoolProperties properties, Duration phase) {
    Duration drain = properties.getDrainTimeout();
    if (drain == null) {
      Duration fitted = phase.minus(CLOSE_MARGIN);
      return fitted.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : fitted;
    }
    if (drain.compareTo(phase) >= 0) {
      throw new IllegalStateException(
          "procpool.drain-timeout ("
              + drain
              + ") must be shorter than spring.lifecycle.timeout-per-shutdown-phase ("
              + phase
              + ")");
    }
    return drain;
  }

  /** Only with Actuator's health support on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnEnabledHealthIndicator("procpool")
  static class Health {
    @Bean(name = "procpoolHealthIndicator")
    @ConditionalOnMissingBean(name = "procpoolHealthIndicator")
    public ProcpoolHealthIndicator procpoolHealthIndicator(ProcessPool pool) {
      return new ProcpoolHealthIndicator(pool);
    }
  }
}
