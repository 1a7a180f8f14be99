#!/usr/bin/env bash
# Where a fresh pool's first 12,000 no-op jobs spend CPU (ColdProfile), master and children, by
# thread kind; medians of N fresh-JVM runs. Usage: benchmarks/cold-profile.sh [runs, default 5] [jar]
# (jar: another build's benchmarks.jar, to compare two versions of the code on the same machine).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
JAR="${2:-benchmarks/target/benchmarks.jar}"
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for i in $(seq 1 "$RUNS"); do
  echo "[$i of $RUNS] ColdProfile" >&2
  timeout 120 java -cp "$JAR" dev.procpool.bench.ColdProfile 2>/dev/null | grep '^{' >> "$OUT" || true
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
keys = sorted({k for r in runs for k in r if k != "jobs"})
print("| what | CPU ms, median | per job |")
print("|---|---:|---:|")
jobs = runs[0]["jobs"]
for k in keys:
    m = statistics.median(r.get(k, 0) for r in runs)
    if k.startswith("alloc."):
        print(f"| {k} (bytes allocated) | {m / 1e6:,.1f} MB | {m / jobs:,.0f} B |")
    else:
        print(f"| {k} | {m:,.0f} | {m * 1000 / jobs:,.1f} µs |")
PY
