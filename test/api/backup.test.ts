import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { decodeCursor, dumpStorage, type StoredRow } from '../../src/actor/backup';
import { ADMIN, asAgent, call, guestWrites, newGuest } from '../helpers';

/**
 * The backup routes against the suite's (seeded) storage (docs/backups.md). The round trip
 * between two deployments is test/faults/backup-roundtrip.test.mjs; here are the refusals and
 * what one page does, with a restore marked running in D1 where the seeded directory would
 * otherwise (rightly) refuse one.
 */

let restores = 0;
async function runningRestore(): Promise<string> {
  const id = `test-restore-${++restores}-${Date.now()}`;
  await env.DB.prepare('INSERT INTO backup_restores (backup_id) VALUES (?)').bind(id).run();
  return id;
}

/** A conversation's whole storage, page by page through the export route. */
async function dumpOf(kind: string, id: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for (let cursor: string | null = null; ; ) {
    const r = await call('GET', `/api/admin/backup/actors/${kind}/${id}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: ADMIN });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    rows.push(...r.body.rows);
    if (r.body.next === null) return rows;
    cursor = r.body.next;
  }
}

async function conversationWithMessages(): Promise<string> {
  const guest = await newGuest('Bea Backup');
  const id = (await guestWrites(guest, 'service:sales', 'backed up hello')).body.conversation.id as string;
  for (let i = 0; i < 3; i++) {
    expect((await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: `b${i}`, text: `answer ${i}` } })).status).toBe(200);
  }
  return id;
}

const labelCount = async () => (await env.DB.prepare('SELECT count(*) AS n FROM labels').first<{ n: number }>())!.n;

describe('backups: export pages', () => {
  it('are described in /openapi.json, admin only, with the restore pages’ 1 MiB bodies', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/admin/backup'));
    expect(paths.sort()).toEqual([
      '/api/admin/backup',
      '/api/admin/backup/actors/{kind}',
      '/api/admin/backup/actors/{kind}/{id}',
      '/api/admin/backup/files',
      '/api/admin/backup/restores',
      '/api/admin/backup/restores/{backupId}/actors/{kind}/{id}',
      '/api/admin/backup/restores/{backupId}/finish',
      '/api/admin/backup/restores/{backupId}/tables/{table}',
      '/api/admin/backup/tables/{table}',
    ]);
    expect(Object.keys(doc.paths['/api/admin/backup/restores/{backupId}/actors/{kind}/{id}'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '409', '413']));
  });

  it('lists the directory tables in restore order, each after what it references, without the migration log or the FTS index', async () => {
    const r = await call('GET', '/api/admin/backup', { headers: ADMIN });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const names = r.body.tables.map((t: { name: string }) => t.name);
    expect(names).toContain('guests');
    expect(names).not.toContain('d1_migrations');
    expect(names).not.toContain('backup_restores');
    expect(names.filter((n: string) => n.startsWith('search_index'))).toEqual([]);
    for (const [child, parent] of [['memberships', 'agents'], ['memberships', 'services'], ['contacts', 'guests'], ['erasure_steps', 'erasures']]) {
      expect(names.indexOf(child), `${child} after ${parent}`).toBeGreaterThan(names.indexOf(parent));
    }
    expect(r.body.tables.find((t: { name: string }) => t.name === 'agents').rows).toBeGreaterThanOrEqual(3);
  });

  it('pages a table by rowid to its end', async () => {
    const seen: string[] = [];
    for (let after = 0; ; ) {
      const r = await call('GET', `/api/admin/backup/tables/agents?after=${after}&limit=1`, { headers: ADMIN });
      expect(r.status).toBe(200);
      seen.push(...r.body.rows.map((row: { slug: string }) => row.slug));
      if (r.body.next === null) break;
      after = r.body.next;
    }
    expect(seen).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call('GET', '/api/admin/backup/tables/d1_migrations', { headers: ADMIN })).status).toBe(404);
  });

  it("pages an actor's storage across its tables and key-value entries, each row once", async () => {
    const id = await conversationWithMessages();
    // One synchronous turn of the actor: none of its jobs can change a row between the two dumps.
    const { whole, paged } = await runInDurableObject(env.CONVERSATIONS.getByName(id), (_i, state) => {
      state.storage.kv.put('watch:example', true);
      const rows: StoredRow[] = [];
      for (let page = dumpStorage(state.storage, null, 1); ; page = dumpStorage(state.storage, decodeCursor(page.next!), 1)) {
        expect(page.rows.length).toBe(1);
        rows.push(...page.rows);
        if (page.next === null) return { whole: dumpStorage(state.storage, null), paged: rows };
      }
    });
    expect(whole.next).toBeNull();
    const seqs = whole.rows.flatMap((r) => ('table' in r && r.table === 'timeline' ? [r.row.seq] : []));
    expect(seqs.length).toBeGreaterThanOrEqual(4);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(paged).toEqual(whole.rows);
    expect(paged.at(-1)).toEqual({ key: 'watch:example', value: true });
    expect((await call('GET', `/api/admin/backup/actors/conversation/${id}?cursor=nonsense`, { headers: ADMIN })).status).toBe(400);
  });

  it('answers 404 for an actor the directory does not list (asking the object would create it)', async () => {
    const unlisted = 'cv_00000000000000000000000000000000';
    const r = await call('GET', `/api/admin/backup/actors/conversation/${unlisted}`, { headers: ADMIN });
    expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
    expect((await call('GET', '/api/admin/backup/actors/crm/nosuchcrm', { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', '/api/admin/backup/actors/crm/hubspot', { headers: ADMIN })).status).toBe(200);
  });
});

describe('backups: restore pages', () => {
  it('refuses a restore into a deployment that holds data, naming the tables', async () => {
    const r = await call('POST', '/api/admin/backup/restores', { headers: ADMIN, body: { backupId: 'fresh-backup-0001', format: 1 } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('not_empty');
    expect(r.body.error.details.tables).toEqual(expect.arrayContaining(['agents', 'services']));
    expect((await call('POST', '/api/admin/backup/restores', { headers: ADMIN, body: { backupId: 'fresh-backup-0001', format: 2 } })).body.error.code).toBe('backup_incompatible');
    // A restore that is not running takes no pages.
    const page = await call('POST', '/api/admin/backup/restores/fresh-backup-0001/tables/labels', { headers: ADMIN, body: { rows: [] } });
    expect(page.status).toBe(409);
    expect(page.body.error.code).toBe('restore_not_running');
  });

  it('writes a table page once however often it is sent; a page with an unknown column writes none of its rows', async () => {
    const restore = await runningRestore();
    const before = await labelCount();
    const row = { id: 'lb_restored00000001', name: 'Restored', name_key: 'restored', color: '#00aa00' };
    for (let i = 0; i < 2; i++) {
      const r = await call('POST', `/api/admin/backup/restores/${restore}/tables/labels`, { headers: ADMIN, body: { rows: [row] } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    expect(await labelCount()).toBe(before + 1);
    const bad = await call('POST', `/api/admin/backup/restores/${restore}/tables/labels`, {
      headers: ADMIN,
      body: { rows: [{ ...row, id: 'lb_restored00000002', name: 'Other', name_key: 'other' }, { id: 'lb_restored00000003', name: 'X', name_key: 'x', color: '#000000', shade: 'dark' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('backup_incompatible');
    // A row breaking the table's constraints (no name_key; a colour the CHECK refuses): the whole batch is refused.
    for (const broken of [{ id: 'lb_restored00000004', name: 'Y', color: '#000000' }, { id: 'lb_restored00000005', name: 'Z', name_key: 'z', color: 'red' }]) {
      const r = await call('POST', `/api/admin/backup/restores/${restore}/tables/labels`, { headers: ADMIN, body: { rows: [{ ...row, id: 'lb_restored00000006', name: 'W', name_key: 'w' }, broken] } });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe('backup_incompatible');
    }
    expect(await labelCount()).toBe(before + 1);
    expect((await call('POST', `/api/admin/backup/restores/${restore}/tables/nope`, { headers: ADMIN, body: { rows: [] } })).status).toBe(404);
  });

  it("restores an actor exactly: the first page empties it, every row lands, a misfit page writes nothing", async () => {
    const restore = await runningRestore();
    const source = await conversationWithMessages();
    const rows = await dumpOf('conversation', source);
    const copy = `cv_restoredCopy${Date.now()}`;
    const path = `/api/admin/backup/restores/${restore}/actors/conversation/${copy}`;
    // As a restore does, the directory's tables come first: it lists the copy.
    await env.DB.prepare('INSERT INTO conversations (id) VALUES (?)').bind(copy).run();
    // Something the copy held before: a reset takes it away.
    await runInDurableObject(env.CONVERSATIONS.getByName(copy), (_i, state) => state.storage.put('stale', 1));
    const first = await call('POST', path, { headers: ADMIN, body: { reset: true, rows: rows.slice(0, 2) } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await call('POST', path, { headers: ADMIN, body: { reset: false, rows: rows.slice(2) } })).status).toBe(200);
    // The last page again: nothing twice.
    expect((await call('POST', path, { headers: ADMIN, body: { reset: false, rows: rows.slice(2) } })).status).toBe(200);
    expect(await dumpOf('conversation', copy)).toEqual(rows);

    const misfit = await call('POST', path, { headers: ADMIN, body: { reset: true, rows: [{ table: 'timeline', row: { seq: 99, mood: 'happy' } }] } });
    expect(misfit.status).toBe(400);
    expect(misfit.body.error.code).toBe('backup_incompatible');
    const broken = await call('POST', path, { headers: ADMIN, body: { reset: true, rows: [{ table: 'timeline', row: { seq: 99, text: 'no author' } }] } });
    expect(broken.status, JSON.stringify(broken.body)).toBe(400);
    expect(broken.body.error.code).toBe('backup_incompatible');
    expect(await dumpOf('conversation', copy), 'the refused pages emptied nothing').toEqual(rows);
  });

  it('a calendar restored from a page without the default meeting type has none: the reset takes what the constructor made', async () => {
    const restore = await runningRestore();
    const made = await call('POST', '/api/admin/agents', { headers: ADMIN, body: { slug: `restored-cal-${Date.now()}`, name: 'Restored Calendar', email: `restored.${Date.now()}@example.com`, license: 'standard', timeZone: 'UTC' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const name = made.body.id as string;
    expect((await dumpOf('calendar', name)).some((r) => 'table' in r && r.table === 'meeting_types')).toBe(true);
    const r = await call('POST', `/api/admin/backup/restores/${restore}/actors/calendar/${name}`, { headers: ADMIN, body: { reset: true, rows: [] } });
    expect(r.status).toBe(200);
    expect(await dumpOf('calendar', name)).toEqual([]);
  });

  it('finishing records the restore in the audit log and closes it to pages', async () => {
    const restore = await runningRestore();
    const done = await call('POST', `/api/admin/backup/restores/${restore}/finish`, { headers: ADMIN });
    expect(done.status).toBe(200);
    expect(done.body.finishedAt).not.toBeNull();
    const audit = await call('GET', '/api/admin/audit?entity=backup', { headers: ADMIN });
    expect(audit.body.entries.some((e: { entityId: string; action: string }) => e.entityId === restore && e.action === 'restore')).toBe(true);
    expect((await call('POST', `/api/admin/backup/restores/${restore}/tables/labels`, { headers: ADMIN, body: { rows: [] } })).body.error.code).toBe('restore_not_running');
    expect((await call('POST', `/api/admin/backup/restores/${restore}/finish`, { headers: ADMIN })).status).toBe(409);
  });
});
