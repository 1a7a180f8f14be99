#!/usr/bin/env bash
# System calls per no-op job, across the master and its children: strace -f -c over two runs of
# the peers' protocol (PeersProtocol: 2 children, 128 in flight, 2,000 warm-up, then 10,000 and
# 40,000 measured jobs); the difference divided by 30,000 leaves out start-up and shutdown. Every
# read, write, futex and epoll_wait here is a wake-up or the work of one, so "all" is the figure
# to compare: a job that costs fewer system calls costs fewer process and thread wake-ups.
# A profile that does not depend on this machine's noise.
# Usage: benchmarks/syscalls.sh [jar, default this build's benchmarks.jar] [PeersProtocol args...]
# (for example: syscalls.sh "" 0 no-pipelining --no-pipelining).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)"; exit 2; }
JAR="${1:-}"
shift || true
if [ -z "$JAR" ]; then
  ./mvnw -B -q package -DskipTests
  JAR=benchmarks/target/benchmarks.jar
fi
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(0)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for n in 10000 40000; do
  PEERS_WARMUP=2000 PEERS_JOBS=$n strace -f -c -o "$OUT/strace-$n.txt" \
    java -cp "$JAR" dev.procpool.bench.PeersProtocol "${ARGS[@]}" >/dev/null 2>&1
done
java -cp "$JAR" dev.procpool.bench.SyscallDiff "$OUT/strace-10000.txt" "$OUT/strace-40000.txt" 30000
