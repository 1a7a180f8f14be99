#!/usr/bin/env bash
# System calls per no-op job, across the master and its children: strace -f -c over two
# ColdStart runs (10,000 and 40,000 measured jobs); the difference divided by 30,000 leaves out
# start-up and shutdown. A profile that does not depend on this machine's noise.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)"; exit 2; }
./mvnw -B -q package -DskipTests
JAR=benchmarks/target/benchmarks.jar
OUT=$(mktemp -d)
for n in 10000 40000; do
  strace -f -c -o "$OUT/strace-$n.txt" java -cp "$JAR" dev.procpool.bench.ColdStart "$OUT/cold.txt" "$n" >/dev/null 2>&1
done
java -cp "$JAR" dev.procpool.bench.SyscallDiff "$OUT/strace-10000.txt" "$OUT/strace-40000.txt" 30000
