#!/usr/bin/env bash
# The long chaos soak (ChaosIT for longer): mixed library + HTTP load while children are
# SIGKILLed and jobs exit, run out of memory, hang and write garbage. Default 10 minutes;
# pass the number of seconds as the first argument. Writes docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS="${1:-600}"
SUMMARY="$PWD/pool-server/target/chaos-summary.txt"

./mvnw -B -q install -DskipTests
./mvnw -B verify -pl pool-server -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ChaosIT -Dprocpool.chaos.seconds="$RUN_SECONDS" -Dprocpool.chaos.summary="$SUMMARY"

mkdir -p docs
{
  echo "# procpool reliability: the chaos soak"
  echo
  echo "Written by \`benchmarks/soak.sh $RUN_SECONDS\` on $(date -u +%Y-%m-%d) ($(nproc) CPUs, $(java -version 2>&1 | head -1))."
  echo "3 children (-Xmx64m), embedded H2 ledger of 10 accounts; 2 library threads (32 jobs in flight each:"
  echo "echo with unique payloads, 1-20 ms sleeps, throwing jobs, transfers) and 2 HTTP clients (echo, transfers),"
  echo "while a fault injector, every 300-700 ms, SIGKILLs a child or submits a job that exits, runs out of memory,"
  echo "hangs past a 300 ms timeout or writes garbage on its channel. The test asserts the accounting below."
  echo
  echo '```'
  cat "$SUMMARY"
  echo '```'
  echo
  echo "- every submitted future completed exactly once (submitted = completed), echoes all came back to their callers;"
  echo "- ordinary jobs failed only with CHILD_CRASHED, and no more of them than SIGKILLs;"
  echo "- the ledger total is exact; the pool is back to 3 ready children; no child process is left after close;"
  echo "- master threads, open descriptors and heap after GC are flat between the first and the last third of the run."
} > docs/reliability.md
echo "wrote docs/reliability.md"
