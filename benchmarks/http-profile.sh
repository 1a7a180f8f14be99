#!/usr/bin/env bash
# Where the HTTP path's time goes: `procpool serve` with 2 children, driven by wrk (16 keep-alive
# connections, 64-byte POST /jobs/echo), and every thread's CPU time over the measured run read
# from /proc, server and children, summed by kind (the HTTP loop, the pool's loop, the callback
# threads, the children's job threads, compilers, GC), as microseconds of CPU per request.
# serve runs its HTTP front end on the pool's loop (pool-loop below: both kinds of work), except with
# --reuse-port, where it has its own (http-loop).
# Usage: benchmarks/http-profile.sh [seconds, default 10] [procpool.jar] [extra serve flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_MEASURED="${1:-10}"
JAR="${2:-pool-server/target/procpool.jar}"
shift 2 || shift $# || true
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests -pl pool-server -am
WORK=$(mktemp -d)
PORT=$(( 20000 + RANDOM % 20000 ))
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
java -jar "$JAR" serve --children=2 --port="$PORT" --data-dir="$WORK/data" "$@" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$WORK/serve.log" && break
  kill -0 $SERVER 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
  sleep 0.1
done
URL="http://127.0.0.1:$PORT/jobs/echo"
# warm-up: the JIT's first work is not the path's cost
wrk -t2 -c16 -d5s -s "$WORK/post.lua" "$URL" > /dev/null
PIDS="$SERVER $(pgrep -P $SERVER | tr '\n' ' ')"
snapshot() {
  python3 - "$@" <<'PY'
import os, sys, json
def kind(name):
    if name.startswith("C2 Compiler"): return "c2"
    if name.startswith("C1 Compiler"): return "c1"
    if name.startswith(("G1", "GC")): return "gc"
    if name.startswith("procpool-http"): return "http-loop"
    if "-loop-" in name: return "pool-loop"
    if name.startswith("ForkJoinPool"): return "callbacks"
    if name in ("java", "main"): return "main"
    return "other"
out = {}
server = sys.argv[1]
for pid in sys.argv[1:]:
    who = "server" if pid == server else "children"
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        continue
    for t in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        k = who + "." + kind(name)
        out[k] = out.get(k, 0) + (int(fields[11]) + int(fields[12])) * 10
print(json.dumps(out))
PY
}
BEFORE=$(snapshot $PIDS)
wrk -t2 -c16 -d"${SECONDS_MEASURED}s" --latency -s "$WORK/post.lua" "$URL" > "$WORK/wrk.txt"
AFTER=$(snapshot $PIDS)
cat "$WORK/wrk.txt"
python3 - "$BEFORE" "$AFTER" "$WORK/wrk.txt" <<'PY'
import json, re, sys
before, after = json.loads(sys.argv[1]), json.loads(sys.argv[2])
text = open(sys.argv[3]).read()
requests = int(re.search(r"(\d+) requests in", text).group(1))
print(f"\n| thread kind | CPU ms | CPU per request |\n|---|---:|---:|")
total = 0
for k in sorted(after):
    ms = after[k] - before.get(k, 0)
    total += ms
    if ms:
        print(f"| {k} | {ms:,} | {ms * 1000 / requests:.1f} µs |")
print(f"| all | {total:,} | {total * 1000 / requests:.1f} µs |")
PY
