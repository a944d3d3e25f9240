// What `npm run export` and `npm run import` share (docs/backups.md): their options, the admin
// API client, and the layout of a backup directory. Node 22, no dependencies beyond the project's.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { devVars } from './dev-env.mjs';

/** The files' format, the Worker's BACKUP_FORMAT (src/backup/endpoints.ts). */
export const FORMAT = 1;
/** What one restore page may carry, as JSON: half the route's 1 MiB limit. */
export const PAGE_BYTES = 512 * 1024;
export const PAGE_ROWS = 500;

export const tableFile = (dir, table) => `${dir}/directory/${table}.jsonl`;
export const actorFile = (dir, kind) => `${dir}/actors/${kind}.jsonl`;
export const filesFile = (dir) => `${dir}/files.jsonl`;
export const manifestFile = (dir) => `${dir}/manifest.json`;

/**
 * The options of both scripts: `--url` (default the local `npm start`, http://127.0.0.1:8787)
 * and `--token` (default DOORBELL_ADMIN_TOKEN, else the development ADMIN_TOKEN of .dev.vars
 * for a local URL).
 */
export function options(usage, extra = {}) {
  let parsed;
  try {
    parsed = parseArgs({ options: { url: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' }, ...extra }, allowPositionals: true });
  } catch (e) {
    fail(`${e.message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const url = (values.url ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  const local = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(url);
  const token = values.token ?? process.env.DOORBELL_ADMIN_TOKEN ?? (local && existsSync(new URL('../.dev.vars', import.meta.url)) ? devVars().ADMIN_TOKEN : undefined);
  if (!token) fail(`No admin token: pass --token or set DOORBELL_ADMIN_TOKEN.\n${usage}`);
  return { url, token, values, positionals };
}

export function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The admin API, JSON both ways. Network errors and 5xx answers are tried again (every page
 * is safe to send twice); a 4xx is the Worker refusing, thrown with its error code.
 */
export function adminClient(url, token) {
  return async function call(method, path, body) {
    for (let attempt = 1; ; attempt++) {
      let response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        if (attempt >= 5) throw new Error(`${method} ${path}: ${e.message}`);
        await sleep(500 * 2 ** attempt);
        continue;
      }
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : null;
      if (response.ok) return parsed;
      if (response.status >= 500 && attempt < 5) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      const error = new Error(`${method} ${path}: ${response.status} ${parsed?.error?.code ?? ''}: ${parsed?.error?.message ?? text.slice(0, 200)}`);
      error.code = parsed?.error?.code;
      error.details = parsed?.error?.details;
      throw error;
    }
  };
}

/** Progress on one line per step, at most every second, and always the last one. */
export function progress(label) {
  let shown = 0;
  return (text, last = false) => {
    if (!last && Date.now() - shown < 1000) return;
    shown = Date.now();
    console.log(`[${label}] ${text}`);
  };
}
