package dev.procpool.internal.trace;

import dev.procpool.internal.engine.JobSpan;
import dev.procpool.internal.engine.JobTracer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Observes each job through a Micrometer {@link ObservationRegistry} (Spring Boot's), so whatever
 * handlers the application registered see it: Boot's tracing bridge (OpenTelemetry or Brave) makes
 * a span of it, parented to the current observation, and injects its context into the job frame
 * through the {@link SenderContext} carrier, as it would into an outgoing HTTP request.
 *
 * <p>Any thread. Micrometer's observation API comes with micrometer-core, a dependency already.
 */
final class ObservationJobTracer implements JobTracer {
  private final ObservationRegistry registry;

  private ObservationJobTracer(ObservationRegistry registry) {
    this.registry = registry;
  }

  static JobTracer of(Object registry) {
    ObservationRegistry observations = (ObservationRegistry) registry;
    // A registry nobody listens to (no handler configured) observes nothing: skip the work.
    return observations.isNoop() ? JobTracer.NOOP : new ObservationJobTracer(observations);
  }

  @Override
  public JobSpan begin(String type, String poolName) {
    Map<String, String> carrier = new HashMap<>(4);
    SenderContext<Map<String, String>> context = new SenderContext<>(Map::put, Kind.CLIENT);
    context.setCarrier(carrier);
    context.setRemoteServiceName("procpool-child");
    Observation observation =
        Observation.createNotStarted("procpool.job", () -> context, registry)
            .contextualName("procpool.job " + type)
            .lowCardinalityKeyValue("procpool.job.type", type)
            .lowCardinalityKeyValue("procpool.pool.name", poolName)
            .start();
    return new ObservationJobSpan(observation, carrier);
  }
}
