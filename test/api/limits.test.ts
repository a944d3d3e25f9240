import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { LIMITS } from '../../src/conversation/protocol';
import { agentToken, asAgent, BASE, call, clientId, guestWrites, newGuest } from '../helpers';
import { dayFromNow, slots } from '../meetings';

// The suite runs with RATE_LIMITS=off (vitest.config.ts); these requests see the Worker as
// deployed, with the limits on. Each test uses addresses of its own: the limiter's counts
// outlive a test.
const limited = { ...env, RATE_LIMITS: 'on' };
let addresses = 0;
const newAddress = () => `203.0.113.${++addresses}`;

async function callLimited(method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; address?: string } = {}) {
  const headers: Record<string, string> = { 'cf-connecting-ip': o.address ?? newAddress(), ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const response = await worker.fetch(
    new Request(`${BASE}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) }) as never,
    limited,
    createExecutionContext(),
  );
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, response };
}

function expectRateLimited(r: { status: number; body: any; response: Response }, limit: string, retryAfter: number) {
  expect([r.status, r.body.error.code, r.body.error.details?.limit]).toEqual([429, 'rate_limited', limit]);
  expect(r.response.headers.get('retry-after')).toBe(String(retryAfter));
}

/**
 * The binding counts in fixed windows aligned to the clock, so a burst may straddle two: of
 * 2×limit+1 requests some must be refused, and at least `limit` (one whole window) accepted.
 */
function expectCutOff(answers: Array<{ status: number; body: any; response: Response }>, ok: number, limit: number, name: string) {
  const refused = answers.filter((a) => a.status === 429);
  expect(answers.every((a) => a.status === ok || a.status === 429)).toBe(true);
  expect(refused.length).toBeGreaterThan(0);
  expectRateLimited(refused[0]!, name, 60);
  const accepted = answers.length - refused.length;
  expect(accepted).toBeGreaterThanOrEqual(limit);
  expect(accepted).toBeLessThanOrEqual(2 * limit);
}

/** Sends `n` requests in turn; answers the statuses. */
async function burst(n: number, send: (i: number) => Promise<{ status: number; body: any; response: Response }>) {
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await send(i));
  return answers;
}

describe('limits on anonymous work, per client address and per token', () => {
  it('guests: 30 a minute from one address; another address is not affected', async () => {
    const address = newAddress();
    const answers = await burst(61, (i) => callLimited('POST', '/api/guests', { address, body: { name: `Guest ${i}` } }));
    expectCutOff(answers, 201, 30, 'guests_per_address');
    expect((await callLimited('POST', '/api/guests', { body: { name: 'Elsewhere' } })).status).toBe(201);
  });

  it('conversations: 10 a minute per guest, 30 a minute per address', async () => {
    const guest = await newGuest('Busy Guest');
    const answers = await burst(21, (i) =>
      callLimited('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'agent', slug: 'alice' }, clientId: `lim-${i}`, text: 'hi' } }),
    );
    expectCutOff(answers, 200, 10, 'conversations_per_guest');

    const address = newAddress();
    const guests = await Promise.all(Array.from({ length: 61 }, (_, i) => newGuest(`Crowd ${i}`)));
    const crowd = await burst(61, (i) =>
      callLimited('POST', '/api/conversations', { address, headers: guests[i]!.headers, body: { target: { kind: 'service', slug: 'sales' }, clientId: 'c1', text: 'hi' } }),
    );
    expectCutOff(crowd, 200, 30, 'conversations_per_address');
  }, 60_000);

  it('bookings: 10 a minute from one address (each emails an invite to the address it names)', async () => {
    const address = newAddress();
    const free = (await slots('alice', 'UTC', 15, dayFromNow(10), 14)).filter((s) => s.start.slice(14, 16) === '00');
    const answers = await burst(21, (i) =>
      callLimited('POST', '/api/agents/alice/bookings', { address, body: { start: free[i]!.start, durationMinutes: 15, name: 'Relay Test', email: `victim${i}@example.com`, timeZone: 'UTC' } }),
    );
    expectCutOff(answers, 201, 10, 'bookings_per_address');
  }, 60_000);

  it('invites: 30 a minute per agent; accepting: 10 a minute per guest, 30 per address', async () => {
    const guest = await newGuest('Inviting Guest');
    const id = (await guestWrites(guest, 'alice', 'hello')).body.conversation.id;
    const alice = await asAgent('alice');
    const made = await burst(61, () => callLimited('POST', `/api/conversations/${id}/invites`, { headers: alice }));
    expectCutOff(made, 201, 30, 'invites_per_agent');

    const invite = made[0]!.body.invite;
    const joiner = await newGuest('Joiner');
    const accepts = await burst(21, () => callLimited('POST', '/api/invites/accept', { headers: joiner.headers, body: { invite } }));
    expectCutOff(accepts, 200, 10, 'invite_accepts_per_guest');

    // Invites are single-use by default: these four let 80 guests in, so only the limit refuses.
    const carol = await asAgent('carol');
    const roomy = await Promise.all(Array.from({ length: 4 }, () => callLimited('POST', `/api/conversations/${id}/invites`, { headers: carol, body: { maxUses: 20 } })));
    const address = newAddress();
    const joiners = await Promise.all(Array.from({ length: 61 }, (_, i) => newGuest(`Joiner ${i}`)));
    const fromOne = await burst(61, (i) =>
      callLimited('POST', '/api/invites/accept', { address, headers: joiners[i]!.headers, body: { invite: roomy[Math.floor(i / 20)]!.body.invite } }),
    );
    expectCutOff(fromOne, 200, 30, 'invite_accepts_per_address');
  }, 60_000);
});

describe("a conversation's exact limits, counted by its actor", () => {
  it(`messages over HTTP have the socket's budget: ${LIMITS.framesPerSecond}/s, bursts of ${LIMITS.frameBurst}`, async () => {
    const guest = await newGuest('Fast Typist');
    const started = (await guestWrites(guest, 'alice', 'hello')).body;
    const id = started.conversation.id;
    const send = () => callLimited('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text: 'spam' } });
    // All at once: whatever got through is at most the burst plus what the bucket refilled while
    // they were handled, and the rest is refused (a machine too loaded to handle 50/s refuses none).
    const total = LIMITS.frameBurst + 400;
    const startedAt = Date.now();
    const answers = await Promise.all(Array.from({ length: total }, send));
    const seconds = (Date.now() - startedAt) / 1000;
    const accepted = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    expect(accepted + refused.length).toBe(total);
    expect(accepted).toBeGreaterThanOrEqual(Math.min(total, LIMITS.frameBurst));
    expect(accepted).toBeLessThanOrEqual(LIMITS.frameBurst + LIMITS.framesPerSecond * seconds + 1);
    if (refused.length > 0) expectRateLimited(refused[0]!, 'messages_per_participant', 1);
    // What was refused was not stored; the others' budgets are their own.
    const history = await call('GET', `/api/conversations/${id}/messages?limit=200&after=${LIMITS.frameBurst}`, { headers: guest.headers });
    expect(history.body.lastSeq).toBe(started.conversation.lastSeq + accepted);
    expect((await callLimited('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'still here' } })).status).toBe(200);
  }, 90_000);

  it(`sockets: at most ${LIMITS.socketsPerParticipant} per person and conversation, refused with 429`, async () => {
    const guest = await newGuest('Many Tabs');
    const id = (await guestWrites(guest, 'alice', 'hello')).body.conversation.id;
    const open = (token: string) =>
      worker.fetch(
        new Request(`${BASE}/api/conversations/${id}/socket?token=${encodeURIComponent(token)}`, { headers: { upgrade: 'websocket', 'cf-connecting-ip': newAddress() } }) as never,
        limited,
        createExecutionContext(),
      );
    const sockets: WebSocket[] = [];
    for (let i = 0; i < LIMITS.socketsPerParticipant; i++) {
      const response = await open(guest.token);
      expect(response.status).toBe(101);
      response.webSocket!.accept();
      sockets.push(response.webSocket!);
    }
    const refused = await open(guest.token);
    const body = (await refused.json()) as any;
    expect([refused.status, body.error.code, body.error.details.limit]).toEqual([429, 'rate_limited', 'sockets_per_participant']);
    expect(refused.headers.get('retry-after')).toBe('10');
    // Alice is someone else: her socket opens.
    const alice = await open(await agentToken('alice'));
    expect(alice.status).toBe(101);
    alice.webSocket!.accept();
    alice.webSocket!.close();
    for (const ws of sockets) ws.close();
  }, 30_000);
});

describe('RATE_LIMITS = "off"', () => {
  it('is honoured in development only', async () => {
    const { rateLimitsOn } = await import('../../src/http/limits');
    expect(rateLimitsOn({ ENVIRONMENT: 'development', RATE_LIMITS: 'off' })).toBe(false);
    expect(rateLimitsOn({ ENVIRONMENT: 'production', RATE_LIMITS: 'off' })).toBe(true);
    expect(rateLimitsOn({ ENVIRONMENT: 'development' })).toBe(true);
  });
});
