// `npm run test:faults`: the fault and fuzz suite (test/faults/*.test.mjs), each file against its
// own `wrangler dev`. Prints what each file checked — cases run (generated inputs, messages,
// matrix cells) and failures — and exits non-zero on any failure.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(`${root}test/faults`)
  .filter((f) => f.endsWith('.test.mjs') && (only.length === 0 || only.some((o) => f.startsWith(o))))
  .map((f) => `${root}test/faults/${f}`);

const rows = new Map(files.map((f) => [f, { tests: 0, failed: 0, cases: 0, ms: 0 }]));
const stream = run({ files, concurrency: 1 });
stream.on('test:pass', (e) => e.data.nesting === 0 && count(e.data, false));
stream.on('test:fail', (e) => e.data.nesting === 0 && count(e.data, true));
stream.on('test:diagnostic', (e) => {
  const m = /^cases: (\d+)$/.exec(e.data.message);
  if (m && rows.has(e.data.file)) rows.get(e.data.file).cases += Number(m[1]);
});
function count(data, failed) {
  const row = rows.get(data.file);
  if (!row) return;
  row.tests += 1;
  row.failed += failed ? 1 : 0;
  row.ms += data.details.duration_ms;
}
stream.compose(spec).pipe(process.stdout);
await new Promise((resolve) => stream.on('end', resolve));

const table = [['suite', 'tests', 'cases run', 'failures', 'seconds']];
for (const [file, r] of rows) table.push([file.split('/').pop().replace('.test.mjs', ''), r.tests, r.cases, r.failed, (r.ms / 1000).toFixed(1)]);
const total = [...rows.values()].reduce((t, r) => ({ tests: t.tests + r.tests, cases: t.cases + r.cases, failed: t.failed + r.failed }), { tests: 0, cases: 0, failed: 0 });
table.push(['total', total.tests, total.cases, total.failed, '']);
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
console.log('\nFault and fuzz suite');
for (const row of table) console.log(row.map((c, i) => String(c)[i ? 'padStart' : 'padEnd'](widths[i])).join('  '));
const broken = total.failed > 0 || total.tests === 0 || [...rows.values()].some((r) => r.tests === 0);
process.exit(broken ? 1 : 0);
