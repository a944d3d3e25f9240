// `npm run build:static`: bundles the guest pages', the widget's and the agent console's
// TypeScript (static/src/) into the files the Worker serves: static/widget.js,
// static/assets/guest.js and static/assets/console.js.
// `--check` type-checks static/src first (tsc with the DOM library).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
if (process.argv.includes('--check')) {
  const tsc = spawnSync('tsc', ['-p', 'static/src'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
const common = { bundle: true, minify: true, target: 'es2022', absWorkingDir: root, legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: ['static/src/widget.ts'], outfile: 'static/widget.js', format: 'iife' });
await build({ ...common, entryPoints: ['static/src/guest-page.ts'], outfile: 'static/assets/guest.js', format: 'esm' });
await build({ ...common, entryPoints: ['static/src/console.ts'], outfile: 'static/assets/console.js', format: 'esm' });
console.log('[build:static] static/widget.js, static/assets/guest.js, static/assets/console.js');
