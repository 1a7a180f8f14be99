#!/usr/bin/env bash
# The quick benchmark set (about 8 minutes on 2 cores). Writes benchmarks/RESULTS.md.
# Needs only a JDK 17+; the PostgreSQL figures use PROCPOOL_BENCH_PG_URL
# (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q package -DskipTests
JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/results
rm -rf "$OUT" && mkdir -p "$OUT"

java -jar "$JAR" -f 1 -wi 3 -w 2s -i 5 -r 2s -rf csv -rff "$OUT/jmh.csv" \
  'PoolThroughputBenchmark|LatencyBenchmark|InProcessBaselineBenchmark|UdsPingPongBenchmark|FreshJvmBenchmark|SleepBenchmark|DatabaseBenchmark' \
  | tee "$OUT/jmh.log"
# Start-up is single-shot: its own warm-up and iteration counts. Children on JDK 25 (AOT cache)
# too when a JDK 25+ is installed (found by its release file).
export PROCPOOL_BENCH_JAVA25="${PROCPOOL_BENCH_JAVA25:-$(benchmarks/find-java25.sh)}"
JDKS=$([ -n "${PROCPOOL_BENCH_JAVA25:-}" ] && echo "own,25" || echo "own")
java -jar "$JAR" -f 1 -wi 3 -i 10 -p childJdk="$JDKS" -rf csv -rff "$OUT/startup.csv" 'StartupBenchmark' | tee -a "$OUT/jmh.log"

for i in 1 2 3; do java -cp "$JAR" dev.procpool.bench.ColdStart "$OUT/cold-all.txt"; done
# The report reads one "cold" line: keep the median of the three runs.
sort -t= -k4 -n "$OUT/cold-all.txt" | sed -n 2p > "$OUT/cold.txt"

java -cp "$JAR" dev.procpool.bench.load.HttpVsLibrary "$OUT/http.txt" 16 10

java -cp "$JAR" dev.procpool.bench.Scaling "$OUT/scaling.md" benchmarks/scaling.png

# Through the local RabbitMQ (skipped when no broker answers on 127.0.0.1:5672).
if java -cp "$JAR" dev.procpool.bench.BrokerThroughput "$OUT/broker.txt"; then :; else echo "no broker: skipped" > "$OUT/broker.txt"; fi

java -cp "$JAR" dev.procpool.bench.ResultsReport "$OUT" benchmarks/RESULTS.md
{
  echo
  echo "## Scaling with children (Scaling)"
  echo
  cat "$OUT/scaling.md"
  echo
  echo '![scaling](scaling.png)'
  echo
  echo "## Through RabbitMQ (BrokerThroughput)"
  echo
  echo "No-op jobs, 128 in flight, quorum queue on the local broker; the raw ceiling is a consumer that answers at once."
  echo
  echo '```'
  cat "$OUT/broker.txt"
  echo '```'
} >> benchmarks/RESULTS.md
echo "wrote benchmarks/RESULTS.md"
