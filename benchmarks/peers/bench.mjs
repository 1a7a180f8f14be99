// node bench.mjs <contender> <ms>: a fresh process, 2 workers, 2,000 warm-up jobs, then 10,000
// measured jobs with 128 in flight (the cold protocol; PEERS_WARMUP and PEERS_JOBS change the
// counts, e.g. 50,000 and 200,000 for the steady one). Prints one JSON line:
// {contender, ms, protocol, jobsPerSec}.
import path from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [contender, msText] = process.argv.slice(2);
const ms = Number(msText);
const WORKERS = 2, IN_FLIGHT = 128;
const WARMUP = Number(process.env.PEERS_WARMUP ?? 2_000), JOBS = Number(process.env.PEERS_JOBS ?? 10_000);
const PROTOCOL = process.env.PEERS_PROTOCOL ?? 'cold';

async function pool() {
  if (contender === 'piscina') {
    const { Piscina } = await import('piscina');
    const p = new Piscina({ filename: path.join(here, 'piscina-task.mjs'), minThreads: WORKERS, maxThreads: WORKERS });
    return { run: () => p.run({ ms }), close: () => p.destroy() };
  }
  if (contender === 'qoper8-wt' || contender === 'qoper8-cp') {
    const { QOper8 } = await import(contender);
    const q = new QOper8({
      poolSize: WORKERS,
      handlersByMessageType: new Map([['job', { module: path.join(here, 'qoper8-handler.mjs') }]]),
      exitOnStop: false,
      logging: false,
    });
    return { run: () => q.send({ type: 'job', ms }), close: () => q.stop() };
  }
  if (contender === 'fork') {
    const children = [], idle = [], waiting = [], pending = new Map();
    let next = 0;
    for (let i = 0; i < WORKERS; i++) {
      const child = fork(path.join(here, 'fork-child.mjs'), [], { serialization: 'advanced' });
      child.on('message', (m) => {
        pending.get(m.id)();
        pending.delete(m.id);
        const job = waiting.shift();
        if (job) job(child); else idle.push(child);
      });
      children.push(child);
      idle.push(child);
    }
    return {
      run: () => new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        const send = (child) => child.send({ id, ms });
        const child = idle.pop();
        if (child) send(child); else waiting.push(send);
      }),
      close: () => children.forEach((c) => c.kill()),
    };
  }
  throw new Error('unknown contender ' + contender);
}

async function runJobs(p, n) {
  let started = 0, done = 0;
  await new Promise((resolve) => {
    const launch = () => {
      while (started < n && started - done < IN_FLIGHT) {
        started++;
        p.run().then(() => { done++; if (done === n) resolve(); else launch(); });
      }
    };
    launch();
  });
}

const p = await pool();
await runJobs(p, WARMUP);
const start = process.hrtime.bigint();
await runJobs(p, JOBS);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ contender, ms, protocol: PROTOCOL, jobsPerSec: Math.round(JOBS / seconds) }));
await p.close();
process.exit(0);
