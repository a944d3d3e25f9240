// `npm run import -- DIR [--url URL] [--token TOKEN]`: restores a backup that `npm run export`
// wrote (docs/backups.md) into an EMPTY deployment, through its admin routes: the directory
// table by table (each after the tables it references), then every actor, page by page. Every
// page is safe to send twice, so an import cut off half-way is simply run again.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { actorFile, adminClient, fail, FORMAT, manifestFile, options, PAGE_BYTES, PAGE_ROWS, progress, tableFile } from './backup-client.mjs';

const USAGE = 'usage: npm run import -- DIR [--url https://your.worker] [--token ADMIN_TOKEN]';
const { url, token, positionals } = options(USAGE);
const [dir] = positionals;
if (!dir) fail(`the backup directory is required.\n${USAGE}`);
if (!existsSync(manifestFile(dir))) fail(`${dir} holds no manifest.json: not a backup, or its export did not finish.`);
const manifest = JSON.parse(readFileSync(manifestFile(dir), 'utf8'));
if (manifest.format !== FORMAT) fail(`${dir} is a backup of format ${manifest.format}; this script restores format ${FORMAT}.`);

const call = adminClient(url, token);
const restore = await call('POST', '/api/admin/backup/restores', { backupId: manifest.backupId, format: manifest.format }).catch((e) => {
  if (e.code === 'not_empty') fail(`${url} is not empty (rows in ${e.details?.tables?.join(', ')}): a backup is restored only into a new deployment.`);
  throw e;
});
console.log(`[import] ${restore.resumed ? 'resuming the restore' : 'restoring'} of backup ${manifest.backupId} (exported ${manifest.exportedAt} from ${manifest.source}) into ${url}`);
const base = `/api/admin/backup/restores/${encodeURIComponent(manifest.backupId)}`;

/** The lines of a JSON-lines file, parsed. */
async function* records(file) {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) yield JSON.parse(line);
}

/** Groups items into pages of at most PAGE_ROWS items and about PAGE_BYTES of JSON. */
function pager(send) {
  let page = [];
  let bytes = 0;
  const flush = async () => {
    if (page.length === 0) return;
    const sent = page;
    page = [];
    bytes = 0;
    await send(sent);
  };
  return {
    async add(item) {
      const size = Buffer.byteLength(JSON.stringify(item));
      if (page.length > 0 && (page.length >= PAGE_ROWS || bytes + size > PAGE_BYTES)) await flush();
      page.push(item);
      bytes += size;
    },
    flush,
  };
}

for (const table of manifest.tables) {
  const show = progress(`directory ${table.name}`);
  let written = 0;
  const pages = pager(async (rows) => {
    await call('POST', `${base}/tables/${table.name}`, { rows });
    written += rows.length;
    show(`${written}/${table.rows} rows`);
  });
  for await (const row of records(tableFile(dir, table.name))) await pages.add(row);
  await pages.flush();
  show(`${written}/${table.rows} rows`, true);
}

for (const { kind, actors, rows: total } of manifest.actors) {
  const show = progress(`actors ${kind}`);
  let done = 0;
  let rows = 0;
  // An actor's lines are together in its kind's file; its first page empties it, so a restore
  // run again rewrites it whole.
  let current = null;
  let first = true;
  const pages = pager(async (page) => {
    await call('POST', `${base}/actors/${kind}/${encodeURIComponent(current)}`, { reset: first, rows: page });
    first = false;
    rows += page.length;
  });
  for await (const { id, ...row } of records(actorFile(dir, kind))) {
    if (id !== current) {
      if (current !== null) {
        await pages.flush();
        done += 1;
        show(`${done}/${actors} actors, ${rows}/${total} rows`);
      }
      current = id;
      first = true;
    }
    await pages.add(row);
  }
  if (current !== null) {
    await pages.flush();
    done += 1;
  }
  show(`${done}/${actors} actors, ${rows}/${total} rows`, true);
}

await call('POST', `${base}/finish`);
const after = await call('GET', '/api/admin/backup');
const short = manifest.tables.filter((t) => (after.tables.find((a) => a.name === t.name)?.rows ?? 0) < t.rows);
if (short.length > 0) fail(`restored, but these tables hold fewer rows than the backup: ${short.map((t) => t.name).join(', ')}`);
console.log(`[import] done: ${manifest.tables.length} tables, ${manifest.actors.reduce((s, a) => s + a.actors, 0)} actors restored into ${url}`);
if (manifest.files.count > 0) console.log(`[import] the backup lists ${manifest.files.count} files (${manifest.files.bytes} bytes) in R2: copy the bucket itself (docs/backups.md).`);
