package dev.procpool.bench;

import dev.procpool.Job;
import dev.procpool.PoolConfigBuilder;
import dev.procpool.ProcessPool;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What tracing costs a pool of no-op jobs: tracing off (no tracer: the default), on with a sampler
 * that drops every trace (spans are not recorded, the context still goes to the child), and on and
 * sampled (every job's three spans recorded and batched to an exporter that drops them, so the
 * figure is the SDK's cost, not a network's). Fresh pool per run, modes interleaved, medians.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.procpool.bench.TracingOverhead [rounds] [jobs]
 * </pre>
 */
public final class TracingOverhead {
  enum Mode {
    OFF,
    UNSAMPLED,
    SAMPLED
  }

  private TracingOverhead() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int warmup = 5_000;
    Map<Mode, List<Double>> rates = new EnumMap<>(Mode.class);
    for (int round = 0; round < rounds; round++) {
      for (Mode mode : Mode.values()) {
        double rate = run(mode, warmup, jobs);
        rates.computeIfAbsent(mode, m -> new ArrayList<>()).add(rate);
        System.out.printf("round %d %-9s %,.0f jobs/s%n", round + 1, mode, rate);
      }
    }
    double off = median(rates.get(Mode.OFF));
    System.out.println();
    System.out.println("| tracing | no-op jobs/s (median of " + rounds + ") | vs off |");
    System.out.println("|---|---:|---:|");
    for (Mode mode : Mode.values()) {
      double m = median(rates.get(mode));
      System.out.printf("| %s | %,.0f | %.2f |%n", mode.name().toLowerCase(), m, m / off);
    }
  }

  private static double run(Mode mode, int warmup, int jobs) throws Exception {
    OpenTelemetrySdk sdk = mode == Mode.OFF ? null : sdk(mode);
    PoolConfigBuilder builder = ProcessPool.builder().children(2);
    if (sdk != null) {
      builder.tracing(sdk);
    }
    try (ProcessPool pool = builder.start()) {
      return WindowedLoad.rate(pool, Job.of("echo", new byte[] {1}), warmup, jobs);
    } finally {
      if (sdk != null) {
        sdk.close();
      }
    }
  }

  private static OpenTelemetrySdk sdk(Mode mode) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .setSampler(mode == Mode.SAMPLED ? Sampler.alwaysOn() : Sampler.alwaysOff())
                .addSpanProcessor(BatchSpanProcessor.builder(new DroppingExporter()).build())
                .build())
        .build();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  /** Takes every batch and keeps nothing. */
  private static final class DroppingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
