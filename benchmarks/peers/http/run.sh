#!/usr/bin/env bash
# Through HTTP, side by side: `procpool serve` with 2 children, Gunicorn with 2 sync workers and a
# Node cluster of 2 workers, each answering POST /jobs/echo (64-byte body) and driven by wrk with
# 16 keep-alive connections (2 threads): 5 s of warm-up, then 10 s measured; rounds interleaved.
# With the benchmarks jar built (./mvnw -B -q package -pl benchmarks -am -DskipTests), each round
# also runs the library path (PeersProtocol, steady: 2 children, 50k warm-up, 200k no-op jobs, 128
# in flight), the figure the HTTP path is held against. Prints requests/s, latency percentiles and
# the load average per run, then medians and the ratios.
# Usage: benchmarks/peers/http/run.sh [rounds, default 3] [procpool.jar] [benchmarks.jar]
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${1:-3}"
JAR="${2:-../../../pool-server/target/procpool.jar}"
BENCH_JAR="${3:-../../target/benchmarks.jar}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 64)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
contenders=(procpool gunicorn node-cluster)
command -v gunicorn >/dev/null || { echo "no gunicorn (apt-get install gunicorn): skipped" >&2; contenders=(procpool node-cluster); }
command -v node >/dev/null || { echo "no node: the Node cluster skipped" >&2; contenders=("${contenders[@]/node-cluster}"); }
if [ -f "$BENCH_JAR" ]; then contenders+=(library); else echo "no $BENCH_JAR: the library path skipped" >&2; fi

wait_port() {
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

for round in $(seq 1 "$ROUNDS"); do
  for c in "${contenders[@]}"; do
    [ -n "$c" ] || continue
    if [ "$c" = library ]; then
      jps=$(PEERS_PROTOCOL=steady PEERS_WARMUP=50000 PEERS_JOBS=200000 timeout 300 \
        java -cp "$BENCH_JAR" dev.procpool.bench.PeersProtocol 0 2>/dev/null \
        | grep '^{' | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["jobsPerSec"])')
      echo "{\"contender\":\"library\",\"round\":$round,\"rps\":$jps,\"p50\":\"-\",\"p99\":\"-\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}" | tee -a "$WORK/runs.jsonl"
      continue
    fi
    # A port nothing listens on (a random pick once collided with a live socket: Gunicorn gave up).
    for _ in $(seq 1 20); do
      PORT=$(( 20000 + RANDOM % 20000 ))
      (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break
    done
    case "$c" in
      procpool) java -jar "$JAR" serve --children=2 --port="$PORT" --data-dir="$WORK/data-$round" > "$WORK/$c.log" 2>&1 & ;;
      gunicorn) gunicorn -w 2 -k sync -b "127.0.0.1:$PORT" --chdir "$PWD" echo_wsgi:app > "$WORK/$c.log" 2>&1 & ;;
      node-cluster) node cluster.mjs "$PORT" > "$WORK/$c.log" 2>&1 & ;;
    esac
    SERVER=$!
    if wait_port "$PORT"; then
      URL="http://127.0.0.1:$PORT/jobs/echo"
      wrk -t2 -c16 -d5s -s "$WORK/post.lua" "$URL" > /dev/null
      wrk -t2 -c16 -d10s --latency -s "$WORK/post.lua" "$URL" > "$WORK/wrk.txt"
      rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
      p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
      p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
      echo "{\"contender\":\"$c\",\"round\":$round,\"rps\":$rps,\"p50\":\"$p50\",\"p99\":\"$p99\",\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}" | tee -a "$WORK/runs.jsonl"
    else
      echo "$c did not listen on $PORT" >&2; cat "$WORK/$c.log" >&2
    fi
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  done
done
python3 - "$WORK/runs.jsonl" <<'PY'
import json, statistics, sys
def ms(text):
    if text == "-":
        return float("nan")
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * f
    return float(text)
runs = [json.loads(l) for l in open(sys.argv[1])]
print("\n| contender | requests/s (median) | p50 | p99 | runs |\n|---|---:|---:|---:|---|")
for c in dict.fromkeys(r["contender"] for r in runs):
    rs = [r for r in runs if r["contender"] == c]
    each = ", ".join(format(r["rps"], ",.0f") for r in rs)
    rps = statistics.median(r["rps"] for r in rs)
    p50 = statistics.median(ms(r["p50"]) for r in rs)
    p99 = statistics.median(ms(r["p99"]) for r in rs)
    print(f"| {c} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {each} |")
median = {c: statistics.median(r["rps"] for r in runs if r["contender"] == c) for c in dict.fromkeys(r["contender"] for r in runs)}
for other in ("gunicorn", "library"):
    if "procpool" in median and other in median:
        print(f"procpool / {other}: {median['procpool'] / median[other]:.2f}x")
print("load average per run:", ", ".join(f"{r['contender']} {r.get('load', '?')}" for r in runs))
PY
