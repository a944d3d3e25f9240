// `npm run test:faults`: the fault and fuzz suite (test/faults/*.test.mjs), each file against its
// own `wrangler dev`, two files at a time. Shows each test as it ends (and the suite's progress
// lines), then a table of what each file checked — cases run (generated inputs, messages, matrix
// cells) and failures — and exits non-zero on any failure. `npm run test:faults -- fuzz authz`
// runs only those files.
import { run } from 'node:test';
import { readdirSync } from 'node:fs';
import { inspect } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
// Files that mostly wait for a real clock (restart: a reminder falling due) start first, so
// that the other files run during their wait instead of after it.
const waitsOnClock = (file) => ['restart.test.mjs'].includes(file.split('/').pop());
const files = readdirSync(`${root}test/faults`)
  .filter((f) => f.endsWith('.test.mjs') && (only.length === 0 || only.some((o) => f.startsWith(o))))
  .sort()
  .map((f) => `${root}test/faults/${f}`);
const rows = new Map(files.map((f) => [f, { tests: 0, failed: 0, cases: 0, ms: 0 }]));
const order = [...files.filter(waitsOnClock), ...files.filter((f) => !waitsOnClock(f))];

// Each file has its own server and state, so files cannot see each other's data; two at a time
// keep both cores busy while one file waits on its server or a clock.
const started = performance.now();
for await (const { type, data } of run({ files: order, concurrency: 2 })) {
  const row = rows.get(data.file);
  if (type === 'test:stdout' || type === 'test:stderr') process.stdout.write(data.message);
  else if (type === 'test:diagnostic' && row) {
    const cases = /^cases: (\d+)$/.exec(data.message);
    if (cases) row.cases += Number(cases[1]);
    else if (data.nesting > 0 || !/^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(data.message)) console.log(`  ${data.message}`);
  } else if ((type === 'test:pass' || type === 'test:fail') && row && data.details.type !== 'suite' && data.name !== data.file) {
    row.tests += 1;
    row.ms += data.details.duration_ms;
    if (type === 'test:pass') console.log(`✔ ${data.name} (${(data.details.duration_ms / 1000).toFixed(1)} s)`);
    else {
      row.failed += 1;
      console.log(`✖ ${data.name}\n${inspect(data.details.error.cause ?? data.details.error, { depth: 4 })}`);
    }
  } else if (type === 'test:fail' && row) {
    // The file itself failed outside any test (a hook, or a crash).
    row.failed += 1;
    console.log(`✖ ${data.file}\n${inspect(data.details.error.cause ?? data.details.error, { depth: 4 })}`);
  }
}

const table = [['suite', 'tests', 'cases run', 'failures', 'seconds']];
for (const [file, r] of rows) table.push([file.split('/').pop().replace('.test.mjs', ''), r.tests, r.cases, r.failed, (r.ms / 1000).toFixed(1)]);
const total = [...rows.values()].reduce((t, r) => ({ tests: t.tests + r.tests, cases: t.cases + r.cases, failed: t.failed + r.failed }), { tests: 0, cases: 0, failed: 0 });
table.push(['total', total.tests, total.cases, total.failed, '']);
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
console.log(`\nFault and fuzz suite (${((performance.now() - started) / 1000).toFixed(0)} s wall time; seconds below are each file's tests)`);
for (const row of table) console.log(row.map((c, i) => String(c)[i ? 'padStart' : 'padEnd'](widths[i])).join('  '));
// exitCode, not exit(): output to a pipe is written asynchronously and exit() would cut it.
process.exitCode = total.failed > 0 || [...rows.values()].some((r) => r.tests === 0) ? 1 : 0;
