// The job every Node contender runs: nothing, or a synchronous sleep of `ms` milliseconds
// (Atomics.wait blocks the thread, as a blocking call would).
const cell = new Int32Array(new SharedArrayBuffer(4));
export function work(ms) {
  if (ms > 0) {
    Atomics.wait(cell, 0, 0, ms);
  }
  return 1;
}
