import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { postMessageEndpoint } from '../../src/conversation/endpoints';
import type { Env } from '../../src/env';
import { runEndpoint } from '../../src/http/endpoint';
import { errorResponse } from '../../src/http/errors';
import { ADMIN, BASE, call, clientId, guestWrites, newGuest } from '../helpers';
import { book, dayFromNow, drainJobs, slots } from '../meetings';

// GUEST_ORIGINS is empty in the test environment, so these sites are allowed, or not, by
// the Sales service's own embed allowlist.
const SHOP = 'https://shop.example.com';
const HELP = 'https://help.example.org';

/** The Worker's env, counting what a request costs: D1 round trips and conversation actor calls. */
function countingEnv(vars: Partial<Env> = {}) {
  const counts = { d1: 0, rpc: 0 };
  const real = new WeakMap<object, D1PreparedStatement>();
  const statement = (s: D1PreparedStatement): D1PreparedStatement => {
    const counted = {
      bind: (...values: unknown[]) => statement(s.bind(...values)),
      first: (...a: [string?]) => (counts.d1++, s.first(...(a as []))),
      all: () => (counts.d1++, s.all()),
      run: () => (counts.d1++, s.run()),
      raw: (...a: [{ columnNames: true }?]) => (counts.d1++, s.raw(...(a as []))),
    } as unknown as D1PreparedStatement;
    real.set(counted, s);
    return counted;
  };
  const DB = {
    prepare: (sql: string) => statement(env.DB.prepare(sql)),
    batch: (statements: D1PreparedStatement[]) => (counts.d1++, env.DB.batch(statements.map((s) => real.get(s) ?? s))),
  } as unknown as D1Database;
  const actorCalls = (stub: object) =>
    new Proxy(stub, {
      get: (target, method) => {
        const value = Reflect.get(target, method);
        if (typeof value !== 'function' || method === 'then') return value;
        // Calling through the stub: an RPC method's own `apply` would be one more remote name.
        return (...args: unknown[]) => (counts.rpc++, Reflect.apply(value, target, args));
      },
    });
  const CONVERSATIONS = {
    getByName: (name: string) => actorCalls(env.CONVERSATIONS.getByName(name)),
    get: (id: DurableObjectId) => actorCalls(env.CONVERSATIONS.get(id)),
    idFromName: (name: string) => env.CONVERSATIONS.idFromName(name),
  } as unknown as Env['CONVERSATIONS'];
  return { counts, env: { ...env, ...vars, DB, CONVERSATIONS } as Env };
}

/** POST /api/conversations/:id/messages straight through the endpoint, with a counting env. */
async function postCounted(id: string, headers: Record<string, string>, text: string, vars: Partial<Env> = {}) {
  const { counts, env: counting } = countingEnv(vars);
  const request = Object.assign(
    new Request(`${BASE}/api/conversations/${id}/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: clientId(), text }),
    }),
    { params: { id } },
  );
  let response: Response;
  try {
    response = await runEndpoint(postMessageEndpoint, request, counting, createExecutionContext());
  } catch (err) {
    response = errorResponse(err);
  }
  return { status: response.status, body: (await response.json()) as any, counts };
}

const messages = async (id: string, headers: Record<string, string>) =>
  (await call('GET', `/api/conversations/${id}/messages`, { headers })).body.entries.filter((e: any) => e.text !== null).map((e: any) => e.text);

describe('the guest path through the edge', () => {
  it('a guest message from an embedding site costs one guest read, one allowlist read and one actor call', async () => {
    expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { embedOrigins: [SHOP] } })).status).toBe(200);
    const ann = await newGuest('Ann Shop');
    const atShop = { ...ann.headers, origin: SHOP };
    const id = (await guestWrites({ headers: atShop }, 'service:sales', 'Hello', { widget: true })).body.conversation.id;

    // The first message of an isolate may have to ask the actor whom the conversation is with.
    expect((await postCounted(id, atShop, 'first')).status).toBe(200);
    const second = await postCounted(id, atShop, 'second');
    expect(second.status).toBe(200);
    expect(second.counts).toEqual({ d1: 2, rpc: 1 });
    expect(await messages(id, ann.headers)).toEqual(['Hello', 'first', 'second']);
  });

  it('what is cached weakens no check: other sites, revoked sites and strangers are still refused, and nothing is stored', async () => {
    expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { embedOrigins: [SHOP] } })).status).toBe(200);
    const ann = await newGuest('Ann Shop');
    const atShop = { ...ann.headers, origin: SHOP };
    const id = (await guestWrites({ headers: atShop }, 'service:sales', 'Hello', { widget: true })).body.conversation.id;
    expect((await postCounted(id, atShop, 'from the shop')).status).toBe(200);

    // The guest's own token, carried to a site Sales does not allow.
    const elsewhere = await postCounted(id, { ...ann.headers, origin: HELP }, 'from help');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('origin_not_allowed');

    // Another guest, on a site that may not embed Sales, learns nothing about Ann's
    // conversation: the same 404 as for one that does not exist, not an origin refusal.
    const mallory = await newGuest('Mallory');
    for (const origin of [HELP, SHOP]) {
      const stranger = await postCounted(id, { ...mallory.headers, origin }, 'let me in');
      expect(stranger.status, origin).toBe(404);
      expect(stranger.body.error.code).toBe('not_found');
    }

    // An admin taking the shop off the allowlist is obeyed at the next message.
    expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { embedOrigins: [] } })).status).toBe(200);
    const revoked = await postCounted(id, atShop, 'after revocation');
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.code).toBe('origin_not_allowed');

    expect(await messages(id, ann.headers)).toEqual(['Hello', 'from the shop']);
  });

  it('a conversation this isolate has not seen costs one actor call more, once: a booked meeting’s, on an organisation-wide site', async () => {
    const [slot] = await slots('alice', 'America/New_York', 30, dayFromNow(4), 3);
    const booked = await book(slot!.start);
    expect(booked.status).toBe(201);
    await drainJobs();
    const id = booked.body.meeting.conversationId;
    const gina = { authorization: `Bearer ${booked.body.guestToken}`, origin: SHOP };
    const organisationWide = { GUEST_ORIGINS: SHOP };

    const first = await postCounted(id, gina, 'about my meeting', organisationWide);
    expect(first.status).toBe(200);
    expect(first.counts).toEqual({ d1: 1, rpc: 2 });
    const second = await postCounted(id, gina, 'and one more thing', organisationWide);
    expect(second.counts).toEqual({ d1: 1, rpc: 1 });
    // A personal link's conversation needs the organisation-wide list: a service's allowlist is not enough.
    const elsewhere = await postCounted(id, gina, 'from the shop alone');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('origin_not_allowed');
    expect((await messages(id, { authorization: gina.authorization })).slice(-2)).toEqual(['about my meeting', 'and one more thing']);
  });
});
