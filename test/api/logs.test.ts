import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interceptFetch } from '../fakes/intercept';
import { ADMIN, asAgent, call, clientId, drainJobsOf, guestWrites, newGuest, sleep } from '../helpers';
import { book, calendarStub, drainJobs, slots } from '../meetings';

/** The Worker's JSON logs (docs/privacy.md "Logs"): one line per request and per job, and nothing personal in any. */

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  const keep = (...args: unknown[]) => void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, level).mockImplementation(keep);
});
afterEach(() => vi.restoreAllMocks());

const events = (type: 'request' | 'job') =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((e) => e.type === type);
const requestLines = (requestId: string | null) => events('request').filter((e) => e.requestId === requestId);

describe('request ids', () => {
  it('every answer carries x-request-id, taken from cf-ray when Cloudflare sends one', async () => {
    const api = await call('GET', '/api/admin/agents', { headers: ADMIN });
    const unmatched = await call('GET', '/api/no-such-route');
    const page = await call('GET', '/');
    const ids = [api, unmatched, page].map((r) => r.response.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(3);
    expect(unmatched.body.error.code).toBe('not_found');
    expect(unmatched.body.error).not.toHaveProperty('requestId');

    const ray = await call('GET', '/api/admin/agents', { headers: { ...ADMIN, 'cf-ray': '8f1e2d3c4b5a6978-FRA' } });
    expect(ray.response.headers.get('x-request-id')).toBe('8f1e2d3c4b5a6978-FRA');
    const forged = await call('GET', '/api/admin/agents', { headers: { ...ADMIN, 'cf-ray': 'x"} {"type":"request' } });
    expect(forged.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a 500 names its request id in the envelope, and its log line says it failed', async () => {
    const label = await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: 'Five hundred', color: '#000000' } });
    // The audit entry cannot be written: the change is answered 500 rather than left untraced.
    await env.DB.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
    try {
      const failed = await call('PATCH', `/api/admin/labels/${label.body.id}`, { headers: ADMIN, body: { color: '#ffffff' } });
      expect(failed.status).toBe(500);
      const id = failed.response.headers.get('x-request-id');
      expect(failed.body.error).toEqual({ code: 'internal', message: expect.any(String), requestId: id });
      expect(requestLines(id)).toEqual([expect.objectContaining({ status: 500, outcome: 'failed', route: '/api/admin/labels/:id', actorKind: 'admin' })]);
    } finally {
      await env.DB.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
    }
  });
});

describe('one JSON line per request and per job', () => {
  it('a request: its route pattern, status, outcome, actor and duration, once', async () => {
    const alice = await asAgent('alice');
    const listed = await call('GET', '/api/admin/agents/alice', { headers: ADMIN });
    const refused = await call('GET', '/api/inbox', { headers: { authorization: 'Bearer nonsense' } });
    const inbox = await call('GET', '/api/inbox', { headers: alice });
    expect(requestLines(listed.response.headers.get('x-request-id'))).toEqual([
      { type: 'request', requestId: expect.any(String), method: 'GET', route: '/api/admin/agents/:slug', status: 200, outcome: 'ok', actorKind: 'admin', actorId: 'admin', durationMs: expect.any(Number) },
    ]);
    expect(requestLines(refused.response.headers.get('x-request-id'))).toEqual([expect.objectContaining({ route: '/api/inbox', status: 401, outcome: 'refused', actorKind: 'anonymous', actorId: null })]);
    expect(requestLines(inbox.response.headers.get('x-request-id'))).toEqual([expect.objectContaining({ status: 200, actorKind: 'agent', actorId: listed.body.id })]);
    // Every line of the Worker's is one JSON object.
    for (const line of lines.filter((l) => l.includes('"type":"request"'))) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('a job: its kind, actor, outcome, attempt and duration', async () => {
    const start = (await slots())[0]!.start;
    const booked = await book(start, { name: 'Jobby Logline', email: 'jobby.logline@example.com' });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    await drainJobs();
    const jobs = events('job').filter((e) => e.actorKind === 'calendar');
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs[0]).toEqual({
      type: 'job',
      job: expect.any(String),
      actorKind: 'calendar',
      actorId: calendarStub().id.toString(),
      outcome: 'done',
      attempt: 1,
      durationMs: expect.any(Number),
      error: null,
    });
    // The booking's note and emails are logged; its webhook hand-over, a routine job, is not.
    const kinds = new Set(jobs.map((e) => e.job));
    expect(kinds.has('note') && kinds.has('email')).toBe(true);
    expect(kinds.has('webhook')).toBe(false);
  });
});

describe('no personal data in any log line', () => {
  it("a chat, a booking and their emails leave no guest's email, name, message text or token in the logs", async () => {
    const email = 'priya.lograre@example.com';
    const name = 'Priya Lograre';
    const texts = ['My order 4417-XQ never arrived', 'Sorry about that, Priya: it ships today'];
    const guest = await newGuest(name, email);
    const started = await guestWrites(guest, 'alice', texts[0]);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const id = started.body.conversation.id as string;
    const alice = await asAgent('alice');
    const answered = await call('POST', `/api/conversations/${id}/messages`, { headers: alice, body: { clientId: clientId(), text: texts[1] } });
    expect(answered.status, JSON.stringify(answered.body)).toBeLessThan(300);
    await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    await call('POST', '/api/contacts', { headers: alice, body: { name, email } });
    await call('GET', `/api/contacts?q=${encodeURIComponent(email)}`, { headers: alice });
    await drainJobsOf(env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id)) as never, 600_000);

    const booked = await book((await slots('alice', 'UTC', 30, undefined, 14)).at(-1)!.start, { name, email });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const meetingToken = booked.body.guestLink.split('#')[1] as string;
    expect((await call('GET', `/api/meetings/${meetingToken}`)).status).toBe(200);
    await drainJobs();

    expect(events('request').length).toBeGreaterThan(8);
    expect(events('job').length).toBeGreaterThan(0);
    const everything = lines.join('\n');
    for (const secret of [email, name, 'Priya', ...texts, guest.token, meetingToken]) expect(everything, secret).not.toContain(secret);
  });

  it("a failing busy feed is logged by its host, not by its URL, which is the calendar's password", async () => {
    const secretPath = '/private-9f3c2b7e41d0a8/basic.ics';
    interceptFetch({ 'https://calendar.feeds.example': () => new Response('gone', { status: 404 }) });
    const alice = await asAgent('alice');
    expect((await call('PATCH', '/api/calendar/settings', { headers: alice, body: { busyFeedUrl: `https://calendar.feeds.example${secretPath}` } })).status).toBe(200);
    try {
      const until = Date.now() + 10_000;
      while (!lines.some((l) => l.includes('busy feed failed')) && Date.now() < until) await sleep(100);
      expect(lines.find((l) => l.includes('busy feed failed'))).toContain('calendar.feeds.example');
      expect(lines.join('\n')).not.toContain('9f3c2b7e41d0a8');
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { busyFeedUrl: '' } });
    }
  });
});
