// One progress line per running step: rewritten in place on a terminal, printed every few
// seconds otherwise (CI logs), so a long scenario never looks hung.
const tty = process.stderr.isTTY;

export function progress(label, describe, everyMs = tty ? 250 : 5000) {
  const started = Date.now();
  const line = () => `[bench] ${label}: ${describe()} (${((Date.now() - started) / 1000).toFixed(0)} s)`;
  const timer = setInterval(() => (tty ? process.stderr.write(`\r\x1b[K${line()}`) : console.error(line())), everyMs);
  timer.unref();
  return {
    done() {
      clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[K');
      console.error(line());
    },
  };
}

export const log = (msg) => console.error(`[bench] ${msg}`);
