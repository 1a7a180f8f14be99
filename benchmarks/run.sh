#!/usr/bin/env bash
# The quick benchmark set (about 10 minutes on 2 cores). Writes its block of benchmarks/RESULTS.md.
# Needs only a JDK 17+; the PostgreSQL figures use PROCPOOL_BENCH_PG_URL
# (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q package -DskipTests
JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/results
rm -rf "$OUT" && mkdir -p "$OUT"

# Progress on stderr: what runs now, n of m, and the time left. Each step's expected seconds on
# 2 cores; the estimate scales them by how the steps so far compared with theirs.
EXPECTED=(390 60 20 40 90 30 5)
TOTAL=${#EXPECTED[@]}
STEP=0
BEGAN=$(date +%s)
step() {
  local done_expected=0 left_expected=0 i elapsed
  for ((i = 0; i < TOTAL; i++)); do
    if ((i < STEP)); then done_expected=$((done_expected + EXPECTED[i])); else left_expected=$((left_expected + EXPECTED[i])); fi
  done
  elapsed=$(($(date +%s) - BEGAN))
  local left=$left_expected
  if ((done_expected > 0 && elapsed > 0)); then left=$((left_expected * elapsed / done_expected)); fi
  STEP=$((STEP + 1))
  echo "[$STEP of $TOTAL, ~${left}s left] $1" >&2
}

step "JMH: throughput, latency, baselines, 1 ms jobs, ledger transfers"
java -jar "$JAR" -f 1 -wi 3 -w 2s -i 5 -r 2s -rf csv -rff "$OUT/jmh.csv" \
  'PoolThroughputBenchmark|LatencyBenchmark|InProcessBaselineBenchmark|UdsPingPongBenchmark|FreshJvmBenchmark|SleepBenchmark' \
  | tee "$OUT/jmh.log"
# Database transfers vary most (one fork once gave h2 in-process 8,435 ± 9,756 tx/s): 3 forks.
# ResultsReport drops any figure whose error bar still exceeds it.
java -jar "$JAR" -f 3 -wi 3 -w 2s -i 5 -r 2s -rf csv -rff "$OUT/database.csv" 'DatabaseBenchmark' \
  | tee -a "$OUT/jmh.log"
# Start-up is single-shot: its own warm-up and iteration counts. Children on JDK 25 (AOT cache)
# too when a JDK 25+ is installed (found by its release file).
export PROCPOOL_BENCH_JAVA25="${PROCPOOL_BENCH_JAVA25:-$(benchmarks/find-java25.sh)}"
JDKS=$([ -n "${PROCPOOL_BENCH_JAVA25:-}" ] && echo "own,25" || echo "own")
step "JMH: pool start-up (children on $JDKS)"
java -jar "$JAR" -f 1 -wi 3 -i 10 -p childJdk="$JDKS" -rf csv -rff "$OUT/startup.csv" 'StartupBenchmark' | tee -a "$OUT/jmh.log"

step "a fresh JVM's first jobs (ColdStart, 3 runs)"
for i in 1 2 3; do java -cp "$JAR" dev.procpool.bench.ColdStart "$OUT/cold-all.txt"; done
# The report reads one "cold" line: keep the median of the three runs.
sort -t= -k4 -n "$OUT/cold-all.txt" | sed -n 2p > "$OUT/cold.txt"

step "HTTP vs the library path (HttpVsLibrary)"
java -cp "$JAR" dev.procpool.bench.load.HttpVsLibrary "$OUT/http.txt" 16 10

step "1, 2, 4 and 8 children (Scaling)"
java -cp "$JAR" dev.procpool.bench.Scaling "$OUT/scaling.md" benchmarks/scaling.png

step "through the local RabbitMQ (BrokerThroughput)"
# Through the local RabbitMQ (skipped when no broker answers on 127.0.0.1:5672).
if java -cp "$JAR" dev.procpool.bench.BrokerThroughput "$OUT/broker.txt"; then :; else echo "no broker: skipped" > "$OUT/broker.txt"; fi

step "writing RESULTS.md"
# run.sh owns one block of RESULTS.md (ResultsBlock): a re-run replaces it and keeps the rest,
# the peers' table and the analyses written beside it.
java -cp "$JAR" dev.procpool.bench.ResultsReport "$OUT" "$OUT/report.md"
{
  cat "$OUT/report.md"
  echo
  cat benchmarks/ANALYSIS.md
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
} > "$OUT/block.md"
java -cp "$JAR" dev.procpool.bench.ResultsBlock benchmarks/RESULTS.md run.sh "$OUT/block.md"
echo "wrote run.sh's block of benchmarks/RESULTS.md"
