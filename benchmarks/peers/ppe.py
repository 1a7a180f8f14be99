"""python3 ppe.py <ms>: ProcessPoolExecutor(2), chunksize 1, the peers' protocol. One JSON line."""
import concurrent.futures, json, os, sys, threading, time

# The cold protocol by default; PEERS_WARMUP / PEERS_JOBS / PEERS_PROTOCOL select the steady one.
WARMUP = int(os.environ.get("PEERS_WARMUP", 2_000))
JOBS = int(os.environ.get("PEERS_JOBS", 10_000))
PROTOCOL = os.environ.get("PEERS_PROTOCOL", "cold")

def work(ms):
    if ms:
        time.sleep(ms / 1000)
    return 1

def run(pool, ms, n, in_flight=128):
    window = threading.Semaphore(in_flight)
    done = threading.Event()
    left = [n]
    lock = threading.Lock()
    def finished(_):
        window.release()
        with lock:
            left[0] -= 1
            if left[0] == 0:
                done.set()
    for _ in range(n):
        window.acquire()
        pool.submit(work, ms).add_done_callback(finished)
    done.wait()

if __name__ == "__main__":
    ms = int(sys.argv[1])
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        run(pool, ms, WARMUP)
        start = time.perf_counter()
        run(pool, ms, JOBS)
        print(json.dumps({"contender": "python-ppe", "ms": ms, "protocol": PROTOCOL, "jobsPerSec": round(JOBS / (time.perf_counter() - start))}))
