import { createScheduledController, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { png } from '../attachment-files';
import { ADMIN, asAgent, BASE, call, clientId, drainJobsOf, eventually, guestWrites, newGuest } from '../helpers';
import { ALICE_ID, book, calendarStub, drainJobs, slots } from '../meetings';
import { TestSocket } from '../socket';

/** Retention (docs/privacy.md "Retention"): settings, and the daily cron that deletes what is older. */

const conversation = (id: string) => env.CONVERSATIONS.getByName(id);
const sweeper = () => env.RETENTION.getByName('organisation');
const retention = (body: unknown, headers: Record<string, string> = ADMIN) => call('PATCH', '/api/admin/settings/retention', { headers, body: body as never });

afterEach(async () => {
  await retention({ conversationDays: null, meetingDays: null });
  await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { retentionDays: null } });
});

/** The Worker's `scheduled` handler as the daily Cron Trigger calls it, then every job it caused. */
async function cron(conversationIds: string[] = []): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 3 * * *' }), env);
  await drainJobsOf(sweeper());
  await drainJobs();
  for (const id of conversationIds) await drainJobsOf(conversation(id));
}

/** A guest writes to `to` with a file; once indexed, the conversation is resolved `daysAgo` days ago. */
async function resolvedChat(to: string, daysAgo: number) {
  const guest = await newGuest('Rita Retained');
  const started = await guestWrites(guest, to, 'Please keep my invoice number 4711 private');
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const id = started.body.conversation.id as string;
  const cid = clientId();
  const bytes = png();
  const uploaded = await exports.default.fetch(
    new Request(`${BASE}/api/conversations/${id}/attachments?${new URLSearchParams({ clientId: cid, name: 'invoice.png' })}`, {
      method: 'POST',
      headers: { ...guest.headers, 'content-length': String(bytes.byteLength), 'content-type': 'image/png' },
      body: bytes,
    }),
  );
  const file = (await uploaded.json()) as any;
  expect(uploaded.status, JSON.stringify(file)).toBe(201);
  expect((await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: cid, attachments: [file.id] } })).status).toBe(200);
  expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { status: 'resolved' } })).status).toBe(200);
  await eventually(() => directoryRow(id), (r) => r?.status === 'resolved' && r.resolved_at !== null, 'the resolution in the directory');
  await env.DB.prepare(`UPDATE conversations SET resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) WHERE id = ?`).bind(`-${daysAgo} days`, id).run();
  return { id, guest };
}

const directoryRow = (id: string) => env.DB.prepare('SELECT status, resolved_at FROM conversations WHERE id = ?').bind(id).first<{ status: string; resolved_at: string | null }>();
const searchRows = async (id: string) =>
  (await env.DB.prepare('SELECT (SELECT count(*) FROM search_entries WHERE conversation_id = ?1) + (SELECT count(*) FROM search_conversations WHERE conversation_id = ?1) + (SELECT count(*) FROM search_participants WHERE conversation_id = ?1) AS n').bind(id).first<{ n: number }>())!.n;
const files = async (id: string) => (await env.FILES.list({ prefix: `conversations/${id}/` })).objects.length;
const inboxRows = (id: string) =>
  runInDurableObject(env.INBOXES.getByName(ALICE_ID), (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM items WHERE conversation_id = ?', id).one().n);
const actorStorage = (id: string) =>
  runInDurableObject(conversation(id), async (_i, state) => ({
    entries: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM timeline').one().n,
    alarm: await state.storage.getAlarm(),
  }));

/** Everything a conversation holds, as counts: what retention must leave at zero. */
async function traces(id: string, guest: { headers: Record<string, string> }) {
  const seen = await call('GET', `/api/conversations/${id}`, { headers: guest.headers });
  return { directory: (await directoryRow(id)) !== null, view: seen.status, search: await searchRows(id), files: await files(id), inbox: await inboxRows(id), actor: (await actorStorage(id)).entries };
}

describe('retention settings (GET/PATCH /api/admin/settings/retention)', () => {
  it('keeps everything by default; an admin sets and clears each period', async () => {
    expect((await call('GET', '/api/admin/settings/retention', { headers: ADMIN })).body).toEqual({ conversationDays: null, meetingDays: null });
    const set = await retention({ conversationDays: 30 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ conversationDays: 30, meetingDays: null });
    expect((await retention({ meetingDays: 3650 })).body).toEqual({ conversationDays: 30, meetingDays: 3650 });
    expect((await retention({ conversationDays: null })).body).toEqual({ conversationDays: null, meetingDays: 3650 });
    expect((await call('GET', '/api/admin/settings/retention', { headers: ADMIN })).body).toEqual({ conversationDays: null, meetingDays: 3650 });
  });

  it('refuses a period out of range, not whole, not a number, an unknown field or nothing: 400, nothing changes', async () => {
    await retention({ conversationDays: 30, meetingDays: 60 });
    for (const body of [{ conversationDays: 0 }, { conversationDays: 3651 }, { meetingDays: -1 }, { conversationDays: 1.5 }, { meetingDays: '30' }, { conversationDays: 30, keep: true }, {}, []]) {
      const r = await retention(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    expect((await call('GET', '/api/admin/settings/retention', { headers: ADMIN })).body).toEqual({ conversationDays: 30, meetingDays: 60 });
  });

  it('is for admins only: no token 401, an agent 401', async () => {
    expect((await call('GET', '/api/admin/settings/retention')).status).toBe(401);
    expect((await retention({ conversationDays: 1 }, {})).status).toBe(401);
    expect((await retention({ conversationDays: 1 }, await asAgent('alice'))).status).toBe(401);
    expect((await call('GET', '/api/admin/settings/retention', { headers: ADMIN })).body.conversationDays).toBeNull();
  });

  it("a service's retentionDays overrides the organisation's, in range or refused", async () => {
    const set = await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { retentionDays: 7 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.retentionDays).toBe(7);
    for (const retentionDays of [0, 3651, 2.5, '7']) {
      expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { retentionDays } })).status).toBe(400);
    }
    expect((await call('GET', '/api/admin/services/sales', { headers: ADMIN })).body.retentionDays).toBe(7);
    expect((await call('GET', '/api/admin/services/support', { headers: ADMIN })).body.retentionDays).toBeNull();
  });
});

describe('the daily cron (the Worker’s scheduled handler)', () => {
  it('deletes conversations resolved longer ago than kept, with everything they hold; recent, open and unset ones stay', async () => {
    const old = await resolvedChat('alice', 40);
    const recent = await resolvedChat('alice', 10);
    const bySales = await resolvedChat('service:sales', 10);
    const open = await newGuest('Otto Open');
    const openId = (await guestWrites(open, 'alice', 'Still waiting')).body.conversation.id as string;
    await env.DB.prepare(`UPDATE conversations SET last_activity_at = '2020-01-01T00:00:00.000Z' WHERE id = ?`).bind(openId).run();

    // Retention unset: the cron deletes nothing.
    await cron([old.id]);
    expect((await traces(old.id, old.guest)).view).toBe(200);

    const before = await traces(old.id, old.guest);
    expect(before).toMatchObject({ directory: true, view: 200, files: 1, inbox: 1 });
    expect(before.search).toBeGreaterThan(0);
    // The guest is watching when it goes.
    const socket = await TestSocket.open(`/api/conversations/${old.id}/socket`, old.guest.token);
    await retention({ conversationDays: 30 });
    await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { retentionDays: 5 } });
    await cron([old.id, bySales.id]);

    for (const gone of [old, bySales]) {
      expect(await traces(gone.id, gone.guest)).toEqual({ directory: false, view: 404, search: 0, files: 0, inbox: 0, actor: 0 });
      expect((await actorStorage(gone.id)).alarm).toBeNull();
    }
    expect(await socket.waitClosed()).toEqual({ code: 4003, reason: 'conversation deleted' });
    expect(socket.frames.some((f: any) => f.type === 'error' && f.code === 'not_found')).toBe(true);
    const inbox = (await call('GET', '/api/inbox', { headers: await asAgent('alice') })).body.items.map((i: any) => i.conversationId);
    expect(inbox).not.toContain(old.id);
    expect(inbox).toContain(recent.id);
    const found = await call('GET', '/api/search?q=4711', { headers: await asAgent('alice') });
    expect(found.body.results.map((r: any) => r.conversationId)).not.toContain(old.id);
    expect((await traces(recent.id, recent.guest)).view).toBe(200);
    expect((await call('GET', `/api/conversations/${openId}`, { headers: open.headers })).status).toBe(200);

    // Twice is fine: nothing more goes, nothing fails.
    await cron([old.id]);
    expect(await traces(old.id, old.guest)).toMatchObject({ directory: false, view: 404 });
    expect((await traces(recent.id, recent.guest)).view).toBe(200);
    expect(await sweeper().pendingJobs()).toEqual([]);
  });

  it('deletes meetings that ended longer ago than kept, with their meeting conversation; later ones stay', async () => {
    const list = await slots();
    const booked = [await book(list[0]!.start), await book(list.at(-1)!.start, { email: 'fred@example.com', name: 'Fred Future' })];
    for (const b of booked) expect(b.status, JSON.stringify(b.body)).toBe(201);
    const [past, future] = booked.map((b) => b.body.meeting);
    await drainJobs();
    await eventually(() => directoryRow(past.conversationId), (r) => r !== null, 'the meeting conversation');
    const longAgo = Date.now() - 100 * 86_400_000;
    await runInDurableObject(calendarStub(), (_i, state) => {
      state.storage.sql.exec('UPDATE meetings SET start_ms = ?, end_ms = ? WHERE id = ?', longAgo, longAgo + 1_800_000, past.id);
    });
    const meetingIds = () => runInDurableObject(calendarStub(), (_i, state) => state.storage.sql.exec<{ id: string }>('SELECT id FROM meetings').toArray().map((m) => m.id));

    await retention({ meetingDays: 30 });
    await cron([past.conversationId]);
    const left = await meetingIds();
    expect(left).not.toContain(past.id);
    expect(left).toContain(future.id);
    expect(await directoryRow(past.conversationId)).toBeNull();
    expect((await actorStorage(past.conversationId)).entries).toBe(0);
    expect(await directoryRow(future.conversationId)).not.toBeNull();

    await cron();
    expect(await meetingIds()).toContain(future.id);
  });
});
