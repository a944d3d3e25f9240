import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, retryAfterMs } from '../../src/actor/backoff';
import { WEBHOOK_BACKOFF, WEBHOOK_MAX_ATTEMPTS } from '../../src/integrations/webhook-actor';
import { requireHttps } from '../../src/integrations/webhook-endpoints';
import { interceptFetch, type Recorded } from '../fakes/intercept';
import { ADMIN, asAgent, call, drainJobsOf, eventually, guestWrites, newGuest, sleep, timePassesFor } from '../helpers';
import { book, calendarStub, dayFromNow, drainJobs, slots } from '../meetings';

const RECEIVER = 'https://hooks.receiver.example';

/** A site owner's receiver: answers each delivery with the next status of its script, then 200. */
function receiver(script: number[] = []) {
  const received: Recorded[] = [];
  const answers = [...script];
  const hook = { received, stop: () => {}, fixed: false };
  hook.stop = interceptFetch({
    [RECEIVER]: (request) => {
      received.push(request);
      const status = hook.fixed ? 200 : (answers.shift() ?? 200);
      return new Response(status === 200 ? 'ok' : 'receiver is down', { status });
    },
  });
  return hook;
}

let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  // Through the API, as an admin would: it also clears the subscriber lists isolates keep.
  const { body } = await call('GET', '/api/admin/webhooks', { headers: ADMIN });
  for (const hook of body.webhooks) await call('DELETE', `/api/admin/webhooks/${hook.id}`, { headers: ADMIN });
});

async function register(events: string[], path = '/doorbell') {
  const { status, body } = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: `${RECEIVER}${path}`, events, description: 'CRM sync' } });
  expect(status).toBe(201);
  return body as { webhook: { id: string; enabled: boolean }; secret: string };
}

const stub = (id: string) => env.WEBHOOKS.get(env.WEBHOOKS.idFromName(id));
const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

async function deliveries(id: string, query = ''): Promise<any[]> {
  const { status, body } = await call('GET', `/api/admin/webhooks/${id}/deliveries${query}`, { headers: ADMIN });
  expect(status).toBe(200);
  return body.deliveries;
}

/** Waits until `count` deliveries are queued (events are handed over after the chat answers). */
async function queued(id: string, count: number): Promise<any[]> {
  for (let i = 0; i < 100; i++) {
    const list = await deliveries(id);
    if (list.length >= count) return list;
    await sleep(20);
  }
  throw new Error(`expected ${count} deliveries for ${id}`);
}

/** Runs the endpoint's alarm until nothing is due now. */
async function drain(id: string): Promise<any[]> {
  for (let i = 0; i < 20; i++) {
    const list = await deliveries(id);
    if (!list.some((d) => d.status === 'pending' && Date.parse(d.nextAttemptAt) <= Date.now())) return list;
    await runDurableObjectAlarm(stub(id));
  }
  throw new Error('deliveries never settled');
}

const attemptsMade = async (id: string): Promise<number> => (await deliveries(id)).reduce((sum, d) => sum + d.attempts, 0);

/** "Time passes": every pending retry of the endpoint falls due, and the alarm runs until they were tried. */
async function fastForward(id: string): Promise<void> {
  const before = await attemptsMade(id);
  const pending = (await deliveries(id, '?status=pending')).length;
  await runInDurableObject(stub(id), async (_instance, state) => {
    state.storage.sql.exec("UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'", Date.now() - 1);
    state.storage.sql.exec('UPDATE jobs SET due_at = ?', Date.now() - 1);
    await state.storage.setAlarm(Date.now());
  });
  for (let i = 0; i < 100 && (await attemptsMade(id)) < before + pending; i++) {
    await runDurableObjectAlarm(stub(id));
    await sleep(10);
  }
}

/** Sends a first event and retries it through all its attempts; a second event is sent before attempt `second.at`. */
async function exhaustFirst(id: string, first: () => Promise<unknown>, second: { at: number; send: () => Promise<unknown> }): Promise<void> {
  await first();
  await queued(id, 1);
  await drain(id);
  for (let attempt = 2; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
    if (attempt === second.at) {
      await second.send();
      await queued(id, 2);
      await drain(id);
    }
    await fastForward(id);
  }
}

/**
 * The receiver's side of the documented recipe (docs/integrations.md), written from the
 * documentation with WebCrypto: split the header, recompute HMAC-SHA256 over "<t>.<raw body>"
 * with the endpoint secret, compare in constant time, and refuse timestamps older than 5 minutes.
 */
async function verify(secret: string, header: string | null, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<boolean> {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${t}.${rawBody}`)));
  const given = new Uint8Array((parts.v1 ?? '').match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  return given.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(given, expected);
}

describe('webhook deliveries', () => {
  it('signs each delivery so a receiver following the recipe can verify it, and rejects a replay or a changed body', async () => {
    const hook = receiver();
    stopIntercepting = hook.stop;
    const { webhook, secret } = await register(['conversation.created', 'message.created']);
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);

    const ann = await newGuest('Ann Lee');
    const started = await guestWrites(ann, 'alice', 'Hello, is the Pro plan monthly?');
    const conversationId = started.body.conversation.id;
    await queued(webhook.id, 2);
    const log = await drain(webhook.id);
    expect(log.map((d) => d.status)).toEqual(['delivered', 'delivered']);

    expect(hook.received).toHaveLength(2);
    const byType = Object.fromEntries(hook.received.map((r) => [r.headers.get('doorbell-event'), r]));
    const message = byType['message.created']!;
    expect(message.method).toBe('POST');
    expect(message.url.pathname).toBe('/doorbell');
    expect(message.headers.get('content-type')).toBe('application/json');
    expect(await verify(secret, message.headers.get('doorbell-signature'), message.body)).toBe(true);
    const payload = JSON.parse(message.body);
    expect(payload).toMatchObject({
      type: 'message.created',
      data: {
        conversation: { id: conversationId, origin: { kind: 'agent', slug: 'alice' }, guests: [{ id: ann.id, name: 'Ann Lee' }] },
        message: { seq: 2, text: 'Hello, is the Pro plan monthly?', author: { id: ann.id, kind: 'guest', name: 'Ann Lee' } },
      },
    });
    expect(message.headers.get('doorbell-webhook-id')).toBe(payload.id);
    expect(JSON.parse(byType['conversation.created']!.body).data.conversation.agents).toEqual([{ id: 'ag_demoAlice00000001', slug: 'alice', name: 'Alice Martin' }]);

    // A replay: the same signed request presented 5 minutes and 1 second later is refused.
    const t = Number(/t=(\d+)/.exec(message.headers.get('doorbell-signature')!)![1]);
    expect(await verify(secret, message.headers.get('doorbell-signature'), message.body, t + 301)).toBe(false);
    expect(await verify(secret, message.headers.get('doorbell-signature'), message.body, t + 299)).toBe(true);
    // A changed body, or another endpoint's secret, does not verify.
    expect(await verify(secret, message.headers.get('doorbell-signature'), message.body.replace('monthly', 'yearly'))).toBe(false);
    expect(await verify(`${secret}0`, message.headers.get('doorbell-signature'), message.body)).toBe(false);
  });

  it('retries with exponential backoff until the receiver answers 2xx, with the same id and body', async () => {
    const hook = receiver([500, 503]);
    stopIntercepting = hook.stop;
    const { webhook, secret } = await register(['message.created']);
    const ann = await newGuest('Ann Lee');
    await guestWrites(ann, 'service:sales', 'Need a quote');
    await queued(webhook.id, 1);

    let [delivery] = await drain(webhook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    expect(delivery.lastError).toContain('HTTP 500: receiver is down');
    // First retry a minute later (plus at most 10 % jitter).
    const firstWait = Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.lastAttemptAt);
    expect(firstWait).toBeGreaterThanOrEqual(60_000);
    expect(firstWait).toBeLessThanOrEqual(66_000);

    await fastForward(webhook.id);
    [delivery] = await drain(webhook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 503 });
    // Then two minutes: the wait doubles.
    const secondWait = Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.lastAttemptAt);
    expect(secondWait).toBeGreaterThanOrEqual(120_000);
    expect(secondWait).toBeLessThanOrEqual(132_000);

    await fastForward(webhook.id);
    [delivery] = await drain(webhook.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, nextAttemptAt: null, lastError: null });
    expect(delivery.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 503, 200]);

    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers.get('doorbell-webhook-id'))).size).toBe(1);
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
    expect(hook.received.map((r) => r.headers.get('doorbell-delivery-attempt'))).toEqual(['1', '2', '3']);
    for (const r of hook.received) expect(await verify(secret, r.headers.get('doorbell-signature'), r.body)).toBe(true);

    // An alarm that fires again (alarms are at least once) sends nothing more.
    await runInDurableObject(stub(webhook.id), (_instance, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub(webhook.id));
    expect(hook.received).toHaveLength(3);
  });

  it('keeps retrying for more than a day: 14 attempts, 1 minute doubling to 6 hours', () => {
    const noJitter = () => 0;
    const waits = Array.from({ length: WEBHOOK_MAX_ATTEMPTS - 1 }, (_, i) => backoffDelay(WEBHOOK_BACKOFF, i + 1, noJitter));
    expect(waits.slice(0, 4)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(Math.max(...waits)).toBe(6 * 3_600_000);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(total).toBeLessThan(36 * 3_600_000);
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('disables an endpoint whose deliveries fail for more than a day; a disabled endpoint gets nothing', async () => {
    const hook = receiver(Array.from({ length: 100 }, () => 502));
    stopIntercepting = hook.stop;
    const { webhook } = await register(['message.created']);
    const ann = await newGuest('Ann Lee');
    // A second event arrives during the outage; it is still pending when the first gives up.
    await exhaustFirst(webhook.id, () => guestWrites(ann, 'alice', 'first'), { at: 3, send: () => guestWrites(ann, 'alice', 'second') });
    const log = await deliveries(webhook.id);
    const first = log.find((d) => d.payload.data.message.text === 'first');
    const second = log.find((d) => d.payload.data.message.text === 'second');
    expect(first).toMatchObject({ status: 'failed', attempts: WEBHOOK_MAX_ATTEMPTS, lastStatusCode: 502, nextAttemptAt: null });
    expect(second.status).toBe('cancelled');
    expect(second.lastError).toContain('disabled after repeated failures');

    const { body: endpoint } = await call('GET', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN });
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(endpoint.disabledAt).toEqual(expect.any(String));

    const before = hook.received.length;
    await guestWrites(ann, 'alice', 'third');
    await sleep(200);
    await runDurableObjectAlarm(stub(webhook.id));
    expect(hook.received.length).toBe(before);
    expect((await deliveries(webhook.id)).some((d) => d.payload.data.message.text === 'third')).toBe(false);

    // An admin turns it back on once the receiver is fixed: events flow again.
    hook.fixed = true;
    const enabled = await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    await guestWrites(ann, 'alice', 'fourth');
    await queued(webhook.id, 3);
    const after = await drain(webhook.id);
    expect(after.find((d) => d.payload.data.message.text === 'fourth').status).toBe('delivered');
  });

  it('an endpoint one delivery of which fails for good stays enabled if others reached it meanwhile', async () => {
    // The receiver refuses only one event (a bug on its side), and accepts the rest.
    const received: Recorded[] = [];
    stopIntercepting = interceptFetch({
      [RECEIVER]: (request) => {
        received.push(request);
        return new Response(null, { status: request.body.includes('poison') ? 400 : 204 });
      },
    });
    const { webhook } = await register(['message.created']);
    const ann = await newGuest('Ann Lee');
    await exhaustFirst(webhook.id, () => guestWrites(ann, 'carol', 'poison'), { at: 5, send: () => guestWrites(ann, 'carol', 'fine') });
    const log = await deliveries(webhook.id);
    expect(log.map((d) => [d.payload.data.message.text, d.status])).toEqual(
      expect.arrayContaining([
        ['poison', 'failed'],
        ['fine', 'delivered'],
      ]),
    );
    const { body: endpoint } = await call('GET', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN });
    expect(endpoint.enabled).toBe(true);
  });

  it('delivers meeting events from the calendar, and agent.left and conversation.assigned from conversations', async () => {
    const hook = receiver();
    stopIntercepting = hook.stop;
    const { webhook } = await register(['meeting.booked', 'meeting.updated', 'meeting.cancelled', 'agent.left', 'conversation.assigned']);

    const list = await slots('alice', 'UTC', 30, dayFromNow(12));
    const booked = await book(list[0]!.start);
    expect(booked.status).toBe(201);
    await drainJobs();
    const moved = await call('PATCH', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: await asAgent('alice'), body: { start: list[3]!.start } });
    expect(moved.status).toBe(200);
    await drainJobs();
    await call('DELETE', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: await asAgent('alice') });
    await drainJobs();

    const ann = await newGuest('Ann Lee');
    const started = await guestWrites(ann, 'service:sales', 'hello');
    const id = started.body.conversation.id;
    await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'support' } });
    await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('carol') });

    await queued(webhook.id, 5);
    const log = await drain(webhook.id);
    const payloads = Object.fromEntries(log.map((d) => [d.type, d.payload]));
    expect(payloads['meeting.booked'].data).toMatchObject({
      action: 'booked',
      meeting: { id: booked.body.meeting.id, start: list[0]!.start, agent: { slug: 'alice' }, guest: { name: 'Gina Guest', email: 'gina@example.com' }, type: { slug: 'meeting' }, location: null, answers: [] },
    });
    expect(payloads['meeting.updated'].data).toMatchObject({ action: 'rescheduled', meeting: { start: list[3]!.start } });
    expect(payloads['meeting.cancelled'].data).toMatchObject({ action: 'cancelled', meeting: { id: booked.body.meeting.id, status: 'cancelled' } });
    expect(payloads['conversation.assigned'].data).toMatchObject({ service: { slug: 'support' }, assignedBy: { name: 'Alice Martin' }, agents: [{ name: 'Carol Diaz' }] });
    expect(payloads['agent.left'].data).toMatchObject({ conversation: { id }, agent: { name: 'Carol Diaz' } });
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    // The guest's message was not subscribed to, so it was not sent.
    expect(hook.received.map((r) => r.headers.get('doorbell-event')).sort()).toEqual(['agent.left', 'conversation.assigned', 'meeting.booked', 'meeting.cancelled', 'meeting.updated']);
  });

  it('delivers a meeting reminder when it falls due, once', async () => {
    const hook = receiver();
    stopIntercepting = hook.stop;
    const { webhook } = await register(['meeting.reminder']);
    const list = await slots('alice', 'UTC', 30, dayFromNow(16));
    const booked = await book(list[0]!.start, { email: 'remind@example.com' });
    const id = booked.body.meeting.id;
    await drainJobs();
    // Time passes: the 15-minute reminder falls due, and the alarm fires twice (at least once).
    for (let i = 0; i < 2; i++) {
      await runInDurableObject(calendarStub(), async (_instance, state) => {
        state.storage.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ?', Date.now() - 1, `reminder:${id}:15`);
      });
      await runDurableObjectAlarm(calendarStub());
      await drainJobs();
    }
    await queued(webhook.id, 1);
    const log = await drain(webhook.id);
    expect(log).toHaveLength(1);
    expect(log[0].payload.data).toMatchObject({ action: 'reminder', minutesBefore: 15, meeting: { id, start: list[0]!.start, guest: { email: 'remind@example.com' } } });
    expect(hook.received).toHaveLength(1);
  });

  it('queues an event once however often it is emitted', async () => {
    stopIntercepting = receiver().stop;
    const { webhook } = await register(['message.created']);
    const event = { id: 'evt_0123456789abcdef0123456789abcdef', type: 'message.created' as const, createdAt: new Date().toISOString(), data: {} };
    expect(await stub(webhook.id).enqueue(webhook.id, event)).toEqual({ queued: true });
    expect(await stub(webhook.id).enqueue(webhook.id, event)).toEqual({ queued: false });
    expect(await deliveries(webhook.id)).toHaveLength(1);
  });

  it('never blocks or fails a chat message or a booking when webhooks cannot be queued; their events are queued once they can be', async () => {
    stopIntercepting = receiver().stop;
    const { webhook } = await register(['message.created', 'meeting.booked']);
    const ann = await newGuest('Ann Lee');
    let id = '';
    // The endpoint table is unreadable: every hand-over fails.
    await env.DB.prepare('ALTER TABLE webhook_endpoints RENAME TO webhook_endpoints_unavailable').run();
    try {
      const sent = await guestWrites(ann, 'alice', 'still works');
      expect(sent.status).toBe(200);
      id = sent.body.conversation.id;
      const list = await slots('alice', 'UTC', 30, dayFromNow(14));
      expect((await book(list[0]!.start, { email: 'nonblocking@example.com' })).status).toBe(201);
      const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
      expect(history.body.entries.map((e: any) => e.text)).toContain('still works');
      // Both hand-overs tried while the table was unreadable, and wait for their retry.
      const failed = (jobs: Array<{ kind: string; attempts: number }>, kind: string) => jobs.some((j) => j.kind === kind && j.attempts > 0);
      await eventually(() => conversation(id).pendingJobs(), (jobs) => failed(jobs, 'webhooks'), 'the failed hand-over of the message');
      await eventually(() => calendarStub().pendingJobs(), (jobs) => failed(jobs, 'webhook'), 'the failed hand-over of the booking');
    } finally {
      await env.DB.prepare('ALTER TABLE webhook_endpoints_unavailable RENAME TO webhook_endpoints').run();
    }
    // Time passes: the retries hand both events over. (Left waiting, they would reach the next test's endpoint.)
    await timePassesFor(conversation(id), (sql) => sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'webhooks'", Date.now() - 1));
    await drainJobsOf(conversation(id));
    await timePassesFor(calendarStub(), (sql) => sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'webhook'", Date.now() - 1));
    await drainJobs();
    const log = await queued(webhook.id, 2);
    expect(log.map((d) => d.type).sort()).toEqual(['meeting.booked', 'message.created']);
    expect(log.find((d) => d.type === 'message.created').payload.data.message.text).toBe('still works');
  });
});

describe('webhook admin API', () => {
  it('creates, lists, reads, changes, disables and deletes endpoints; the secret is shown only at creation', async () => {
    const hook = receiver();
    stopIntercepting = hook.stop;
    const { webhook, secret } = await register(['message.created'], '/a');
    const listed = await call('GET', '/api/admin/webhooks', { headers: ADMIN });
    expect(listed.body.webhooks.map((w: any) => w.id)).toEqual([webhook.id]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const read = await call('GET', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN });
    expect(read.body).toMatchObject({ url: `${RECEIVER}/a`, events: ['message.created'], enabled: true, description: 'CRM sync' });
    expect(JSON.stringify(read.body)).not.toContain(secret);

    const changed = await call('PATCH', `/api/admin/webhooks/${webhook.id}`, {
      headers: ADMIN,
      body: { url: `${RECEIVER}/b`, events: ['agent.left', 'message.created', 'message.created'], description: null },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ url: `${RECEIVER}/b`, events: ['agent.left', 'message.created'], description: null });

    // Disabled by an admin: nothing is queued for it.
    const off = await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'admin' });
    const ann = await newGuest('Ann Lee');
    await guestWrites(ann, 'alice', 'nobody hears this');
    await sleep(200);
    expect(await deliveries(webhook.id)).toEqual([]);
    expect(hook.received).toEqual([]);

    expect((await call('DELETE', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN })).status).toBe(204);
    expect((await call('GET', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', `/api/admin/webhooks/${webhook.id}/deliveries`, { headers: ADMIN })).status).toBe(404);
    expect((await call('DELETE', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN })).status).toBe(404);
  });

  it('filters the delivery log by status', async () => {
    const hook = receiver([500]);
    stopIntercepting = hook.stop;
    const { webhook } = await register(['message.created']);
    const ann = await newGuest('Ann Lee');
    await guestWrites(ann, 'alice', 'one');
    await queued(webhook.id, 1);
    await drain(webhook.id);
    await guestWrites(ann, 'alice', 'two');
    await queued(webhook.id, 2);
    await drain(webhook.id);
    expect((await deliveries(webhook.id, '?status=pending')).map((d) => d.payload.data.message.text)).toEqual(['one']);
    expect((await deliveries(webhook.id, '?status=delivered')).map((d) => d.payload.data.message.text)).toEqual(['two']);
    expect((await deliveries(webhook.id, '?limit=1')).map((d) => d.payload.data.message.text)).toEqual(['two']);
    expect((await call('GET', `/api/admin/webhooks/${webhook.id}/deliveries?status=lost`, { headers: ADMIN })).status).toBe(400);
  });

  it('only admins manage webhooks', async () => {
    const { webhook } = await register(['message.created']);
    const guest = await newGuest('Ann Lee');
    for (const headers of [await asAgent('alice'), guest.headers, {}]) {
      expect((await call('GET', '/api/admin/webhooks', { headers })).status).toBe(401);
      expect((await call('POST', '/api/admin/webhooks', { headers, body: { url: `${RECEIVER}/x`, events: ['message.created'] } })).status).toBe(401);
      expect((await call('GET', `/api/admin/webhooks/${webhook.id}/deliveries`, { headers })).status).toBe(401);
      expect((await call('DELETE', `/api/admin/webhooks/${webhook.id}`, { headers })).status).toBe(401);
    }
    expect((await call('GET', '/api/admin/webhooks', { headers: ADMIN })).body.webhooks).toHaveLength(1);
  });

  it('refuses bad input with a clear 400 and changes nothing', async () => {
    const bad: Array<[unknown, string]> = [
      [{ url: 'ftp://files.example/x', events: ['message.created'] }, 'url'],
      [{ url: 'https://user:pw@hooks.example/x', events: ['message.created'] }, 'url'],
      [{ url: 'not a url', events: ['message.created'] }, 'url'],
      [{ url: `${RECEIVER}/x`, events: [] }, 'events'],
      [{ url: `${RECEIVER}/x`, events: ['message.deleted'] }, 'events.0'],
      [{ url: `${RECEIVER}/x` }, 'events'],
      [{ url: `${RECEIVER}/x`, events: ['message.created'], secret: 'mine' }, '(root)'],
    ];
    for (const [body, path] of bad) {
      const { status, body: answer } = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: body as Record<string, unknown> });
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer.error.code).toBe('invalid_request');
      expect(answer.error.details.problems.map((p: any) => p.path)).toContain(path);
    }
    expect((await call('GET', '/api/admin/webhooks', { headers: ADMIN })).body.webhooks).toEqual([]);
    const { webhook } = await register(['message.created']);
    expect((await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: {} })).status).toBe(400);
    expect((await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: { enabled: 'no' } })).status).toBe(400);
    expect((await call('GET', '/api/admin/webhooks/wh_doesNotExist000000', { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', '/api/admin/webhooks/nope', { headers: ADMIN })).status).toBe(400);
    expect((await call('GET', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN })).body.enabled).toBe(true);
  });

  it('refuses endpoints on non-public hosts with url_not_allowed, and never delivers to one registered before the rule', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/', 'https://hooks.internal/x', 'http://[fe80::1]/x', 'http://192.168.1.20:8080/x']) {
      const r = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url, events: ['message.created'] } });
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe('url_not_allowed');
    }
    expect((await call('GET', '/api/admin/webhooks', { headers: ADMIN })).body.webhooks).toEqual([]);
    const hook = receiver();
    const { webhook } = await register(['message.created']);
    const moved = await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: { url: 'http://172.20.0.3/hook' } });
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe('url_not_allowed');
    // Development allows loopback, so local receivers work.
    expect((await call('PATCH', `/api/admin/webhooks/${webhook.id}`, { headers: ADMIN, body: { url: 'http://127.0.0.1:9/hook' } })).status).toBe(200);

    // An endpoint stored before the rule existed: its deliveries are refused at send time.
    const metadata: Recorded[] = [];
    const stopMetadata = interceptFetch({ [RECEIVER]: (r) => (hook.received.push(r), new Response('ok')), 'http://169.254.169.254': (r) => (metadata.push(r), new Response('secret')) });
    stopIntercepting = () => {
      stopMetadata();
      hook.stop();
    };
    await env.DB.prepare('UPDATE webhook_endpoints SET url = ? WHERE id = ?').bind('http://169.254.169.254/latest/', webhook.id).run();
    await guestWrites(await newGuest('Ann Lee'), 'alice', 'Hello');
    await queued(webhook.id, 1);
    const [delivery] = await drain(webhook.id);
    expect(metadata).toEqual([]);
    expect(delivery.lastError).toMatch(/not a public host/);
  });

  it('accepts only https targets outside development', () => {
    expect(() => requireHttps({ ENVIRONMENT: 'production' }, 'http://hooks.example/x')).toThrow(/must be an https URL/);
    expect(() => requireHttps({ ENVIRONMENT: 'production' }, 'https://hooks.example/x')).not.toThrow();
    expect(() => requireHttps({ ENVIRONMENT: 'development' }, 'http://127.0.0.1:9000/x')).not.toThrow();
  });
});
