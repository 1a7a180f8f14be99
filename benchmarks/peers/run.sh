#!/usr/bin/env bash
# Side by side with the peers, under two protocols, rounds interleaved so that a noisy moment hits
# every contender alike: cold (a fresh process, 2 workers, 2,000 warm-up jobs, 10,000 measured, 128
# in flight; no-op and 1 ms jobs) and steady (the same with 50,000 warm-up and 200,000 measured;
# no-op). Installs the Node peers from the npm registry.
# Usage: benchmarks/peers/run.sh [rounds, default 5] [protocols, default "cold steady"].
# Writes the table (its block of RESULTS.md) and a chart.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${1:-5}"
PROTOCOLS="${2:-cold steady}"
npm install --silent --no-audit --no-fund
(cd ../.. && ./mvnw -B -q package -DskipTests)
JAR=../target/benchmarks.jar
OUT=../target/peers
mkdir -p "$OUT"
: > "$OUT/runs.jsonl"
contenders=(piscina qoper8-wt qoper8-cp fork python procpool procpool-no-pipelining)
# protocol:ms pairs, each run once per contender per round
modes=()
for p in $PROTOCOLS; do
  case "$p" in
    cold) modes+=(cold:0 cold:1) ;;
    steady) modes+=(steady:0) ;;
    *) echo "unknown protocol $p (cold, steady)" >&2; exit 2 ;;
  esac
done
total=$(( ROUNDS * ${#contenders[@]} * ${#modes[@]} ))
n=0
began=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  for mode in "${modes[@]}"; do
    protocol=${mode%%:*}
    ms=${mode##*:}
    if [ "$protocol" = steady ]; then
      export PEERS_PROTOCOL=steady PEERS_WARMUP=50000 PEERS_JOBS=200000
    else
      export PEERS_PROTOCOL=cold PEERS_WARMUP=2000 PEERS_JOBS=10000
    fi
    for c in "${contenders[@]}"; do
      n=$((n + 1))
      elapsed=$(( $(date +%s) - began ))
      left=$(( n > 1 ? elapsed * (total - n + 1) / (n - 1) : 0 ))
      echo "[$n of $total, ~${left}s left] round $round: $c, $protocol, ${ms} ms jobs" >&2
      case "$c" in
        python) timeout 300 python3 ppe.py "$ms" >> "$OUT/runs.jsonl" ;;
        procpool) timeout 300 java -cp "$JAR" dev.procpool.bench.PeersProtocol "$ms" 2>/dev/null | grep '^{' >> "$OUT/runs.jsonl" ;;
        procpool-no-pipelining) timeout 300 java -cp "$JAR" dev.procpool.bench.PeersProtocol "$ms" no-pipelining --no-pipelining 2>/dev/null | grep '^{' >> "$OUT/runs.jsonl" ;;
        *) timeout 300 node bench.mjs "$c" "$ms" >> "$OUT/runs.jsonl" ;;
      esac
    done
  done
done
java -cp "$JAR" dev.procpool.bench.PeersReport "$OUT/runs.jsonl" "$OUT/table.md" ../peers.png
{
  echo "## Side by side with the peers (benchmarks/peers/run.sh $ROUNDS \"$PROTOCOLS\", $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
  echo
  cat "$OUT/table.md"
  echo
  echo '![no-op jobs/s](peers.png)'
} > "$OUT/section.md"
# This script owns the "peers" block of RESULTS.md: a re-run replaces it and keeps the rest.
java -cp "$JAR" dev.procpool.bench.ResultsBlock ../RESULTS.md peers "$OUT/section.md"
echo "wrote the peers block of benchmarks/RESULTS.md; chart in benchmarks/peers.png"
