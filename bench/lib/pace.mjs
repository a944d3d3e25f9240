// An open-loop sender: call `send(i)` for i = 0..count-1 at a steady `rate` per second,
// scheduled from the start time (not from the previous send), so a slow server cannot
// slow the offered load down and latencies are not hidden (no coordinated omission).
// `send` may return false to stop early (the server fell too far behind); the promise
// resolves with the elapsed milliseconds and how many were sent.
export function paced(count, rate, send) {
  return new Promise((resolve) => {
    const started = performance.now();
    let i = 0;
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (i < due) if (send(i++) === false) return resolve({ ms: performance.now() - started, sent: i });
      if (i >= count) return resolve({ ms: performance.now() - started, sent: i });
      // Timers fire at 1 ms granularity at best; sends due in the meantime go out together.
      setTimeout(tick, Math.max(0, ((i * 1000) / rate) - (performance.now() - started)));
    };
    tick();
  });
}

/** Resolves when `done()` is true, or after `ms` (then with false). */
export async function until(done, ms, every = 20) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, every));
  }
  return true;
}

/** Runs `make(i)` for i = 0..count-1, `parallel` at a time; resolves with the results in order. */
export async function inParallel(count, make, parallel = 50) {
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return out;
}
