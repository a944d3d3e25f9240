// `npm run export -- --out DIR [--url URL] [--token TOKEN]`: a backup of a deployment
// (docs/backups.md) through its admin routes: one JSON-lines file per directory table, one per
// kind of actor (every row of every actor of that kind), the list of files in R2, and a
// manifest with the format, the counts and when it was taken, written last.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { actorFile, adminClient, fail, filesFile, FORMAT, manifestFile, options, progress, tableFile } from './backup-client.mjs';

const USAGE = 'usage: npm run export -- --out DIR [--url https://your.worker] [--token ADMIN_TOKEN]';
const { url, token, values } = options(USAGE, { out: { type: 'string' } });
const out = values.out;
if (!out) fail(`--out DIR is required.\n${USAGE}`);
if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} is not empty: a backup goes into a new directory.`);
mkdirSync(`${out}/directory`, { recursive: true });
mkdirSync(`${out}/actors`, { recursive: true });

const call = adminClient(url, token);
const exportedAt = new Date().toISOString();
const summary = await call('GET', '/api/admin/backup');
if (summary.format !== FORMAT) fail(`the deployment answers backup format ${summary.format}; this script writes format ${FORMAT}.`);
const lines = (items) => items.map((item) => `${JSON.stringify(item)}\n`).join('');

const tables = [];
for (const table of summary.tables) {
  const show = progress(`directory ${table.name}`);
  const file = tableFile(out, table.name);
  writeFileSync(file, '');
  let rows = 0;
  for (let after = 0; after !== null; ) {
    const page = await call('GET', `/api/admin/backup/tables/${table.name}?after=${after}`);
    appendFileSync(file, lines(page.rows));
    rows += page.rows.length;
    after = page.next;
    show(`${rows}/${table.rows} rows`, after === null);
  }
  tables.push({ name: table.name, columns: table.columns, references: table.references, rows });
}

const actors = [];
for (const { kind, count } of summary.actors) {
  const show = progress(`actors ${kind}`);
  const file = actorFile(out, kind);
  writeFileSync(file, '');
  let seen = 0;
  let kept = 0;
  let rows = 0;
  for (let after = ''; after !== null; ) {
    const page = await call('GET', `/api/admin/backup/actors/${kind}${after ? `?after=${encodeURIComponent(after)}` : ''}`);
    for (const id of page.ids) {
      let held = 0;
      for (let cursor = null; ; ) {
        const dump = await call('GET', `/api/admin/backup/actors/${kind}/${encodeURIComponent(id)}${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`);
        appendFileSync(file, lines(dump.rows.map((row) => ({ id, ...row }))));
        held += dump.rows.length;
        if (dump.next === null) break;
        cursor = dump.next;
      }
      seen += 1;
      // An actor never used holds nothing: the backup has no lines for it, and a restore makes none.
      if (held > 0) kept += 1;
      rows += held;
      show(`${seen}/${count} actors, ${rows} rows`);
    }
    after = page.next;
  }
  show(`${seen}/${count} actors, ${kept} holding ${rows} rows`, true);
  actors.push({ kind, actors: kept, rows });
}

const showFiles = progress('files');
writeFileSync(filesFile(out), '');
let files = 0;
let bytes = 0;
for (let cursor = ''; cursor !== null; ) {
  const page = await call('GET', `/api/admin/backup/files${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  appendFileSync(filesFile(out), lines(page.files));
  files += page.files.length;
  bytes += page.files.reduce((sum, f) => sum + f.size, 0);
  cursor = page.next;
  showFiles(`${files} files, ${bytes} bytes listed`, cursor === null);
}

writeFileSync(
  manifestFile(out),
  `${JSON.stringify(
    {
      format: FORMAT,
      backupId: randomUUID(),
      exportedAt,
      finishedAt: new Date().toISOString(),
      source: url,
      tables,
      actors,
      files: { count: files, bytes, copied: false },
    },
    null,
    2,
  )}\n`,
);
console.log(`[export] done: ${tables.length} tables (${tables.reduce((s, t) => s + t.rows, 0)} rows), ${actors.reduce((s, a) => s + a.actors, 0)} actors (${actors.reduce((s, a) => s + a.rows, 0)} rows), ${files} files listed, in ${out}`);
