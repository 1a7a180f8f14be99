#!/usr/bin/env bash
# The cold-path levers of issue 11, measured under the peers' protocol (PeersProtocol: a fresh
# JVM, 2 children, 2,000 warm-up and 10,000 measured no-op jobs, 128 in flight), rounds
# interleaved so every variant sees the same machine. Prints a Markdown table of medians.
# Usage: benchmarks/cold-levers.sh [rounds] [java25]   (java25: a JDK 25+ java; else found in
# /usr/lib/jvm by its release file, else the JDK 25 rows are left out)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
JAVA25="${2:-$(benchmarks/find-java25.sh)}"
[ -f benchmarks/target/benchmarks.jar ] || ./mvnw -B -q package -DskipTests
JAR=benchmarks/target/benchmarks.jar
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

VARIANTS=("default" "cds17 --class-data=$WORK/cds17" "c1 -XX:TieredStopAtLevel=1")
if [ -n "$JAVA25" ]; then
  VARIANTS+=("jdk25 --java=$JAVA25" "aot25 --java=$JAVA25 --class-data=$WORK/aot25")
fi
# One untimed run per archive variant records its archive, as a first run on a machine would.
for v in "${VARIANTS[@]}"; do
  case "$v" in *--class-data=*) timeout 300 java -cp "$JAR" dev.procpool.bench.PeersProtocol 0 $v >/dev/null 2>&1 ;; esac
done
total=$(( ROUNDS * ${#VARIANTS[@]} ))
n=0
start=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    n=$((n + 1))
    elapsed=$(( $(date +%s) - start ))
    echo "[$n of $total, ~$(( elapsed * (total - n + 1) / n ))s left] round $r: ${v%% *}" >&2
    timeout 300 java -cp "$JAR" dev.procpool.bench.PeersProtocol 0 $v 2>/dev/null | grep '^{' >> "$WORK/runs.jsonl" || true
  done
done
python3 - "$WORK/runs.jsonl" <<'PY'
import json, statistics, sys
runs, starts = {}, {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    runs.setdefault(d["contender"], []).append(d["jobsPerSec"])
    starts.setdefault(d["contender"], []).append(d.get("poolStartMillis", 0))
base = statistics.median(runs["procpool"])
print("| variant | no-op jobs/s (median) | vs default | pool of 2 ready, cold master (median) | runs |")
print("|---|---:|---:|---:|---|")
for name, values in runs.items():
    m = statistics.median(values)
    start = statistics.median(starts[name])
    print(f"| {name} | {m:,.0f} | {m / base:.2f}x | {start:.0f} ms | {', '.join(f'{v:,}' for v in values)} |")
PY
