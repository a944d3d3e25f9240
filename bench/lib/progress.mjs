// One progress line per running step: rewritten in place on a terminal, printed every few
// seconds otherwise (CI logs), so a long scenario never looks hung.
const tty = process.stderr.isTTY;
const running = new Set();

export function progress(label, describe, everyMs = tty ? 250 : 5000) {
  const started = Date.now();
  const line = () => `[bench] ${label}: ${describe()} (${((Date.now() - started) / 1000).toFixed(0)} s)`;
  const timer = setInterval(() => (tty ? process.stderr.write(`\r\x1b[K${line()}`) : console.error(line())), everyMs);
  timer.unref();
  const bar = {
    done() {
      running.delete(bar);
      clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[K');
      console.error(line());
    },
  };
  running.add(bar);
  return bar;
}

/** Ends the lines of a scenario that failed half-way. */
export const endProgress = () => [...running].forEach((bar) => bar.done());

export const log = (msg) => console.error(`[bench] ${msg}`);
