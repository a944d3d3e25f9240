// `npm run build:static`: bundles the guest pages', the widget's and the agent console's
// TypeScript (static/src/) into the files the Worker serves: static/widget.js,
// static/assets/guest.js and static/assets/console.js.
// `--check` type-checks static/src first (tsc with the DOM library).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
if (process.argv.includes('--check')) {
  const tsc = spawnSync('tsc', ['-p', 'static/src'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
const common = { bundle: true, minify: true, target: 'es2022', absWorkingDir: root, legalComments: 'none', logLevel: 'warning', write: false };
const bundles = [
  { entryPoints: ['static/src/widget.ts'], outfile: 'static/widget.js', format: 'iife' },
  { entryPoints: ['static/src/guest-page.ts'], outfile: 'static/assets/guest.js', format: 'esm' },
  { entryPoints: ['static/src/console.ts'], outfile: 'static/assets/console.js', format: 'esm' },
];
// wrangler runs this before every `wrangler dev`, and test files start theirs two at a time:
// a bundle is written only when it changed, so a server starting never rewrites the files
// another one is serving.
let changed = false;
for (const options of bundles) {
  const [out] = (await build({ ...common, ...options })).outputFiles;
  if (existsSync(out.path) && Buffer.compare(readFileSync(out.path), out.contents) === 0) continue;
  writeFileSync(out.path, out.contents);
  changed = true;
}
console.log(`[build:static] ${bundles.map((b) => b.outfile).join(', ')}${changed ? '' : ' (unchanged)'}`);
