// `npm run build:static`: bundles the guest pages', the widget's and the agent console's
// TypeScript (static/src/) into the files the Worker serves: static/widget.js,
// static/assets/guest.js and static/assets/console.js.
// `--check` type-checks static/src first (tsc with the DOM library).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

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
const writeIfChanged = (path, contents) => {
  if (existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0) return;
  writeFileSync(path, contents);
  changed = true;
};
for (const options of bundles) {
  const [out] = (await build({ ...common, ...options })).outputFiles;
  writeIfChanged(out.path, out.contents);
}

// The tables are TypeScript (type-checked against English's keys): bundled once here and
// imported, then written out as JSON.
const tablesEntry = `export { chatCss } from './styles'; export { fr, chatEn } from './i18n'; export { de } from './i18n-de'; export { es } from './i18n-es'; export { it } from './i18n-it';`;
const [tablesModule] = (await build({ ...common, format: 'esm', stdin: { contents: tablesEntry, resolveDir: `${root}static/src`, loader: 'ts' } })).outputFiles;
const tables = await import(`data:text/javascript;base64,${Buffer.from(tablesModule.contents).toString('base64')}`);
mkdirSync(`${root}static/assets/i18n`, { recursive: true });
const { chatCss, chatEn, ...languages } = tables;
// The widget's panel styles, fetched once its launcher is drawn.
writeIfChanged(`${root}static/assets/chat.css`, Buffer.from(chatCss));
// The widget fetches only the chat's keys (those of English's chat table, ChatStrings): its
// first load in another language stays in budget (docs/widget.md "Languages").
const chatKeys = Object.keys(chatEn);
for (const [lang, table] of Object.entries(languages)) {
  writeIfChanged(`${root}static/assets/i18n/${lang}.json`, Buffer.from(JSON.stringify(table)));
  writeIfChanged(`${root}static/assets/i18n/chat-${lang}.json`, Buffer.from(JSON.stringify(Object.fromEntries(chatKeys.map((k) => [k, table[k]])))));
}

console.log(`[build:static] ${bundles.map((b) => b.outfile).join(', ')}, static/assets/i18n/{,chat-}{${Object.keys(languages).join(',')}}.json, static/assets/chat.css${changed ? '' : ' (unchanged)'}`);
