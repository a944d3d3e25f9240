import { createExecutionContext, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEndpoint } from '../../src/http/endpoint';
import { errorResponse } from '../../src/http/errors';
import { CRM_MAX_ATTEMPTS } from '../../src/integrations/crm-actor';
import { pushToCrmEndpoint } from '../../src/integrations/crm-endpoints';
import { soqlString } from '../../src/integrations/salesforce';
import { FakeHubSpot, HUBSPOT_ORIGIN, PORTAL_ID } from '../fakes/hubspot';
import { interceptFetch } from '../fakes/intercept';
import { FakeSalesforce, SALESFORCE_INSTANCE, SALESFORCE_LOGIN } from '../fakes/salesforce';
import { ADMIN, agentToken, asAgent, BASE, call, clientId, guestWrites, newGuest, sleep } from '../helpers';
import { TestSocket } from '../socket';

let hubspot: FakeHubSpot;
let salesforce: FakeSalesforce;
let stop: () => void;

beforeEach(() => {
  hubspot = new FakeHubSpot(env.HUBSPOT_TOKEN!);
  salesforce = new FakeSalesforce({ id: env.SALESFORCE_CLIENT_ID!, secret: env.SALESFORCE_CLIENT_SECRET!, refreshToken: env.SALESFORCE_REFRESH_TOKEN! });
  stop = interceptFetch({ [HUBSPOT_ORIGIN]: hubspot.handle, [SALESFORCE_INSTANCE]: salesforce.instance, [SALESFORCE_LOGIN]: salesforce.login });
});

afterEach(() => {
  stop();
  // Every request the fakes saw was one the real API accepts as documented.
  expect(hubspot.violations).toEqual([]);
  expect(salesforce.violations).toEqual([]);
});

const crmStub = (provider: 'hubspot' | 'salesforce') => env.CRM.get(env.CRM.idFromName(provider));

/** A guest with an email talks with Alice; the guest is in the phonebook with a phone and company when asked. */
async function conversationWith(email: string, contact?: { phone?: string; company?: string }) {
  const guest = await newGuest('Ann Lee', email);
  const started = await guestWrites(guest, 'alice', 'Hi, I would like a quote for 20 seats.');
  const id: string = started.body.conversation.id;
  await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'Sure Ann, monthly or yearly?' } });
  if (contact) {
    const added = await call('POST', `/api/conversations/${id}/contact`, { headers: await asAgent('alice'), body: contact });
    expect(added.status).toBe(201);
  }
  return { id, guest };
}

async function push(id: string, provider: 'hubspot' | 'salesforce', who = 'alice') {
  return call('POST', `/api/conversations/${id}/crm`, { headers: await asAgent(who), body: { provider } });
}

async function pushes(id: string): Promise<any[]> {
  const { status, body } = await call('GET', `/api/conversations/${id}/crm`, { headers: await asAgent('alice') });
  expect(status).toBe(200);
  return body.pushes;
}

/** Runs the provider's alarm until the push is neither due now nor waiting to be shown. */
async function settle(provider: 'hubspot' | 'salesforce', conversationId: string, pushId: string): Promise<any> {
  for (let i = 0; i < 30; i++) {
    const current = (await pushes(conversationId)).find((p) => p.id === pushId);
    const shown = (await crmEntries(conversationId)).some((e) => e.event.pushId === pushId);
    if (current.status !== 'queued' ? shown : Date.parse(current.nextAttemptAt) > Date.now()) return current;
    await runDurableObjectAlarm(crmStub(provider));
    await sleep(10);
  }
  throw new Error('push never settled');
}

/** "Time passes": the push's retry falls due. */
async function fastForward(provider: 'hubspot' | 'salesforce'): Promise<void> {
  await runInDurableObject(crmStub(provider), async (_instance, state) => {
    state.storage.sql.exec('UPDATE pushes SET due_at = ? WHERE due_at IS NOT NULL', Date.now() - 1);
    state.storage.sql.exec('UPDATE jobs SET due_at = ?', Date.now() - 1);
    await state.storage.setAlarm(Date.now());
  });
}

async function crmEntries(id: string, headers?: Record<string, string>): Promise<any[]> {
  const { body } = await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers: headers ?? (await asAgent('alice')) });
  return body.entries.filter((e: any) => e.event?.type === 'crm');
}

describe('HubSpot', () => {
  it('creates the contact, logs the conversation as a note on it, and shows the record link to agents only', async () => {
    const { id, guest } = await conversationWith('ann.lee@example.com', { phone: '+33 6 12 34 56 78', company: 'Lee & Co' });
    // Both are connected while the push runs: only Alice's socket receives the result.
    const guestLive = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    const aliceLive = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    await guestLive.next((f) => f.type === 'welcome');
    const answered = await push(id, 'hubspot');
    expect(answered.status).toBe(202);
    expect(answered.body.push).toMatchObject({ provider: 'hubspot', status: 'queued', attempts: 0 });
    const done = await settle('hubspot', id, answered.body.push.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, error: null });

    const [contact] = [...hubspot.contacts.values()];
    expect(contact!.properties).toEqual({ email: 'ann.lee@example.com', firstname: 'Ann', lastname: 'Lee', phone: '+33612345678', company: 'Lee & Co' });
    expect(hubspot.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /crm/v3/objects/contacts/search',
      'POST /crm/v3/objects/contacts',
      'POST /crm/v3/objects/notes',
      'GET /account-info/v3/details',
    ]);
    const [note] = hubspot.notes;
    expect(note!.associations).toEqual([{ to: { id: contact!.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }]);
    expect(note!.properties.hs_note_body).toContain('Ann Lee: Hi, I would like a quote for 20 seats.');
    expect(note!.properties.hs_note_body).toContain('Alice Martin: Sure Ann, monthly or yearly?');
    expect(note!.properties.hs_note_body).toContain(`pushed by Alice Martin`);

    const url = `https://app.hubspot.com/contacts/${PORTAL_ID}/record/0-1/${contact!.id}`;
    expect(done.recordUrl).toBe(url);
    const [entry] = await crmEntries(id);
    expect(entry.text).toBe(`Ann Lee was created in HubSpot: ${url}`);
    expect(entry.event).toMatchObject({ type: 'crm', provider: 'hubspot', outcome: 'succeeded', action: 'created', recordUrl: url, error: null, requestedBy: { name: 'Alice Martin' } });
    expect((await aliceLive.next((f) => f.type === 'entry' && f.entry.event?.type === 'crm')).entry.seq).toBe(entry.seq);
    guestLive.send({ type: 'ping' });
    await guestLive.next((f) => f.type === 'pong');
    expect(guestLive.entries()).toEqual([]);
    guestLive.close();
    aliceLive.close();

    // The guest sees neither the entry in the history nor on the socket's replay.
    expect(await crmEntries(id, guest.headers)).toEqual([]);
    const socket = await TestSocket.open(`/api/conversations/${id}/socket?since=0`, guest.token);
    await socket.next((f) => f.type === 'caught_up');
    expect(socket.entries().map((e) => e.event?.type)).not.toContain('crm');
    expect(socket.entries().length).toBeGreaterThan(2);
    socket.close();
  });

  it('updates the contact that has the email; a later push asks HubSpot for the portal no more', async () => {
    const existing = hubspot.addContact({ email: 'bo.chen@example.com', firstname: 'Bo', lastname: 'C.', lifecyclestage: 'lead' });
    const guest = await newGuest('Bo Chen', 'Bo.Chen@Example.com');
    const started = await guestWrites(guest, 'alice', 'Following up on my order');
    const id = started.body.conversation.id;
    const answered = await push(id, 'hubspot');
    const done = await settle('hubspot', id, answered.body.push.id);
    expect(done.status).toBe('succeeded');
    expect(hubspot.contacts.size).toBe(1);
    expect(hubspot.contacts.get(existing)!.properties).toMatchObject({ email: 'bo.chen@example.com', firstname: 'Bo', lastname: 'Chen', lifecyclestage: 'lead' });
    const methods = hubspot.requests.map((r) => `${r.method} ${r.url.pathname}`);
    expect(methods).toContain(`PATCH /crm/v3/objects/contacts/${existing}`);
    expect(methods).not.toContain('POST /crm/v3/objects/contacts');
    const [entry] = await crmEntries(id);
    expect(entry.text).toBe(`Bo Chen was updated in HubSpot: https://app.hubspot.com/contacts/${PORTAL_ID}/record/0-1/${existing}`);

    // Pushed again: the same contact is updated, a second note logged, and the portal id was kept.
    const seen = hubspot.requests.length;
    const again = await push(id, 'hubspot');
    expect((await settle('hubspot', id, again.body.push.id)).status).toBe('succeeded');
    expect(hubspot.requests.slice(seen).map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /crm/v3/objects/contacts/search',
      `PATCH /crm/v3/objects/contacts/${existing}`,
      'POST /crm/v3/objects/notes',
    ]);
    expect(await crmEntries(id)).toHaveLength(2);
  });

  it('waits as a 429 asks and retries after a 5xx, without creating the contact twice', async () => {
    const { id } = await conversationWith('cy.ng@example.com');
    hubspot.inject({ match: (r) => r.url.pathname.endsWith('/search'), status: 429, headers: { 'retry-after': '7' }, body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', category: 'RATE_LIMITS' } });
    hubspot.inject({ match: (r) => r.url.pathname === '/crm/v3/objects/notes', status: 502, body: { status: 'error', message: 'Bad gateway', category: 'INTERNAL_ERROR' } });
    const answered = await push(id, 'hubspot');
    let state = await settle('hubspot', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'queued', attempts: 1 });
    expect(state.error).toContain('HubSpot answered 429');
    const wait = Date.parse(state.nextAttemptAt) - Date.now();
    expect(wait).toBeGreaterThan(4_000);
    expect(wait).toBeLessThanOrEqual(7_000);
    // Nothing is shown while it is being retried.
    expect(await crmEntries(id)).toEqual([]);

    await fastForward('hubspot');
    state = await settle('hubspot', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'queued', attempts: 2 });
    expect(state.error).toContain('HubSpot answered 502');
    // Our own backoff after a 5xx: 30 s doubling, so a minute after the second failure.
    expect(Date.parse(state.nextAttemptAt) - Date.now()).toBeGreaterThan(50_000);

    await fastForward('hubspot');
    state = await settle('hubspot', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'succeeded', attempts: 3 });
    const contacts = [...hubspot.contacts.values()].filter((c) => c.properties.email === 'cy.ng@example.com');
    expect(contacts).toHaveLength(1);
    expect(hubspot.notes.filter((n) => JSON.stringify(n.associations).includes(`"${contacts[0]!.id}"`))).toHaveLength(1);
    const [entry] = await crmEntries(id);
    expect(entry.event.outcome).toBe('succeeded');
  });

  it('shows a permanent error in the conversation and does not retry it', async () => {
    const { id } = await conversationWith('di.ortiz@example.com');
    hubspot.inject({
      match: (r) => r.method === 'POST' && r.url.pathname === '/crm/v3/objects/contacts',
      status: 400,
      body: { status: 'error', message: 'Property values were not valid: [{"isValid":false,"message":"Email address di.ortiz@example.com is invalid","name":"email"}]', category: 'VALIDATION_ERROR' },
    });
    const answered = await push(id, 'hubspot');
    const state = await settle('hubspot', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'failed', attempts: 1, recordUrl: null, nextAttemptAt: null });
    const [entry] = await crmEntries(id);
    expect(entry.text).toMatch(/^Pushing Ann Lee to HubSpot failed: HubSpot answered 400 VALIDATION_ERROR: Property values were not valid/);
    expect(entry.event).toMatchObject({ outcome: 'failed', recordUrl: null, action: null });
    const requests = hubspot.requests.length;
    await runDurableObjectAlarm(crmStub('hubspot'));
    expect(hubspot.requests.length).toBe(requests);
    expect(await crmEntries(id)).toHaveLength(1);
  });

  it('gives up after 10 attempts of a provider that keeps failing, and says so in the conversation', async () => {
    const { id } = await conversationWith('jo.west@example.com');
    for (let i = 0; i < CRM_MAX_ATTEMPTS; i++) {
      hubspot.inject({ match: (r) => r.url.pathname.endsWith('/search'), status: 503, body: { status: 'error', message: 'Service unavailable', category: 'INTERNAL_ERROR' } });
    }
    const answered = await push(id, 'hubspot');
    let state = await settle('hubspot', id, answered.body.push.id);
    for (let attempt = 2; attempt <= CRM_MAX_ATTEMPTS; attempt++) {
      expect(state).toMatchObject({ status: 'queued', attempts: attempt - 1 });
      await fastForward('hubspot');
      state = await settle('hubspot', id, answered.body.push.id);
    }
    expect(state).toMatchObject({ status: 'failed', attempts: CRM_MAX_ATTEMPTS });
    const [entry] = await crmEntries(id);
    expect(entry.text).toBe(`Pushing Ann Lee to HubSpot failed: Gave up after ${CRM_MAX_ATTEMPTS} attempts. HubSpot answered 503 INTERNAL_ERROR: Service unavailable`);
    expect(hubspot.requests.filter((r) => r.url.pathname.endsWith('/search'))).toHaveLength(CRM_MAX_ATTEMPTS);
  });
});

describe('Salesforce', () => {
  it('refreshes an expired token, creates the Lead with the documented defaults, and logs a completed Task', async () => {
    const { id } = await conversationWith('ann.lee@salesforce-test.example', { phone: '+1 (415) 555-0100' });
    const answered = await push(id, 'salesforce');
    expect(answered.status).toBe(202);
    const done = await settle('salesforce', id, answered.body.push.id);
    expect(done.status).toBe('succeeded');

    const calls = salesforce.requests.map((r) => `${r.method} ${r.url.origin === SALESFORCE_LOGIN ? 'login' : 'instance'} ${r.url.pathname}`);
    expect(calls).toEqual([
      'GET instance /services/data/v62.0/query',
      'POST login /services/oauth2/token',
      'GET instance /services/data/v62.0/query',
      'POST instance /services/data/v62.0/sobjects/Lead',
      'POST instance /services/data/v62.0/sobjects/Task',
    ]);
    const refresh = new URLSearchParams(salesforce.requests[1]!.body);
    expect(Object.fromEntries(refresh)).toMatchObject({ grant_type: 'refresh_token', refresh_token: env.SALESFORCE_REFRESH_TOKEN, client_id: env.SALESFORCE_CLIENT_ID, client_secret: env.SALESFORCE_CLIENT_SECRET });
    expect(salesforce.requests[2]!.headers.get('authorization')).toBe(`Bearer ${salesforce.issuedTokens[0]}`);

    const [lead] = [...salesforce.leads.values()];
    expect(lead).toMatchObject({ FirstName: 'Ann', LastName: 'Lee', Email: 'ann.lee@salesforce-test.example', Phone: '+14155550100', Company: '[not provided]', LeadSource: 'Web' });
    const [task] = salesforce.tasks;
    expect(task).toMatchObject({ WhoId: lead!.Id, Status: 'Completed', Subject: 'Doorbell chat with Ann Lee', ActivityDate: new Date().toISOString().slice(0, 10) });
    expect(task!.Description).toContain('Alice Martin: Sure Ann, monthly or yearly?');

    const url = `${SALESFORCE_INSTANCE}/lightning/r/Lead/${lead!.Id}/view`;
    expect(done.recordUrl).toBe(url);
    const [entry] = await crmEntries(id);
    expect(entry.text).toBe(`Ann Lee was created in Salesforce: ${url}`);

    // The refreshed token was kept: the next push does not refresh again.
    const second = await conversationWith('other@example.com');
    const again = await push(second.id, 'salesforce');
    expect((await settle('salesforce', second.id, again.body.push.id)).status).toBe('succeeded');
    expect(salesforce.requests.filter((r) => r.url.origin === SALESFORCE_LOGIN)).toHaveLength(1);
  });

  it("updates the unconverted Lead with the guest's email, escaping it in SOQL, and keeps its company", async () => {
    const existing = salesforce.addLead({ LastName: "O'Brien", Company: 'Acme', Email: "dan.o'brien@example.com" });
    salesforce.addLead({ LastName: "O'Brien", Company: 'Old', Email: "dan.o'brien@example.com" }, true);
    const guest = await newGuest("Dan O'Brien", "dan.o'brien@example.com");
    const started = await guestWrites(guest, 'alice', 'About my renewal');
    const id = started.body.conversation.id;
    const answered = await push(id, 'salesforce');
    expect((await settle('salesforce', id, answered.body.push.id)).status).toBe('succeeded');
    expect(salesforce.leads.get(existing)).toMatchObject({ FirstName: 'Dan', LastName: "O'Brien", Company: 'Acme' });
    const patch = salesforce.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url.pathname).toBe(`/services/data/v62.0/sobjects/Lead/${existing}`);
    expect(JSON.parse(patch.body)).not.toHaveProperty('Company');
    const query = salesforce.requests.find((r) => r.url.pathname.endsWith('/query') && r.headers.get('authorization') !== `Bearer ${env.SALESFORCE_ACCESS_TOKEN}`)!;
    expect(query.url.searchParams.get('q')).toContain("Email = 'dan.o\\'brien@example.com'");
    expect(salesforce.tasks.at(-1)).toMatchObject({ WhoId: existing });
    const [entry] = await crmEntries(id);
    expect(entry.text).toBe(`Dan O'Brien was updated in Salesforce: ${SALESFORCE_INSTANCE}/lightning/r/Lead/${existing}/view`);
    expect(soqlString("a\\b'c\nd")).toBe("'a\\\\b\\'c\\nd'");
  });

  it('refreshes again when the session expires later, and honours Retry-After on a 429', async () => {
    const { id } = await conversationWith('eve.park@example.com');
    salesforce.expireSessions();
    salesforce.inject({
      match: (r) => r.url.pathname.endsWith('/sobjects/Lead') && r.method === 'POST',
      status: 429,
      headers: { 'retry-after': '20' },
      body: [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
    });
    const answered = await push(id, 'salesforce');
    let state = await settle('salesforce', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'queued', attempts: 1 });
    expect(state.error).toBe('Salesforce answered 429 REQUEST_LIMIT_EXCEEDED: Too many requests');
    const wait = Date.parse(state.nextAttemptAt) - Date.now();
    expect(wait).toBeGreaterThan(15_000);
    expect(wait).toBeLessThanOrEqual(20_000);
    await fastForward('salesforce');
    state = await settle('salesforce', id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect([...salesforce.leads.values()].filter((l) => l.Email === 'eve.park@example.com')).toHaveLength(1);
    expect(salesforce.requests.filter((r) => r.url.origin === SALESFORCE_LOGIN).length).toBeGreaterThanOrEqual(1);
  });

  it('shows a permanent error in the conversation: a refused refresh token, or a refused record', async () => {
    const first = await conversationWith('fay.wu@example.com');
    salesforce.expireSessions();
    salesforce.inject({
      match: (r) => r.url.origin === SALESFORCE_LOGIN,
      status: 400,
      body: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
    });
    const answered = await push(first.id, 'salesforce');
    const state = await settle('salesforce', first.id, answered.body.push.id);
    expect(state).toMatchObject({ status: 'failed', attempts: 1 });
    const [entry] = await crmEntries(first.id);
    expect(entry.text).toBe('Pushing Ann Lee to Salesforce failed: Salesforce answered 400 invalid_grant: expired access/refresh token');

    const second = await conversationWith('gus.li@example.com');
    salesforce.inject({
      match: (r) => r.url.pathname.endsWith('/sobjects/Task'),
      status: 400,
      body: [{ message: 'Tasks need a due date per our policy', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: [] }],
    });
    const again = await push(second.id, 'salesforce');
    expect((await settle('salesforce', second.id, again.body.push.id)).status).toBe('failed');
    const [refused] = await crmEntries(second.id);
    expect(refused.event).toMatchObject({ provider: 'salesforce', outcome: 'failed', error: 'Salesforce answered 400 FIELD_CUSTOM_VALIDATION_EXCEPTION: Tasks need a due date per our policy' });
  });
});

describe('who may push, and bad input', () => {
  it('only agent participants with a standard or premium license push; guests and others are refused', async () => {
    const { id, guest } = await conversationWith('hal.kim@example.com');
    // A guest token is not an agent token.
    expect((await call('POST', `/api/conversations/${id}/crm`, { headers: guest.headers, body: { provider: 'hubspot' } })).status).toBe(403);
    // Carol can open this public conversation but is not in it; Bob (basic) neither.
    const carol = await push(id, 'hubspot', 'carol');
    expect(carol.status).toBe(403);
    expect(carol.body.error.code).toBe('not_a_participant');
    expect((await push(id, 'hubspot', 'bob')).body.error.code).toBe('not_a_participant');
    // Alice, downgraded to basic, stays listed but may no longer push.
    await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { license: 'basic' } });
    try {
      const downgraded = await push(id, 'hubspot');
      expect(downgraded.status).toBe(403);
      expect(downgraded.body.error.code).toBe('agent_not_licensed');
    } finally {
      await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { license: 'standard' } });
    }
    // A private conversation is a 404 to an agent outside it.
    await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } });
    expect((await push(id, 'hubspot', 'carol')).status).toBe(404);
    expect(await pushes(id)).toEqual([]);
    expect(hubspot.requests).toEqual([]);
  });

  it('refuses bad input clearly and queues nothing', async () => {
    const { id } = await conversationWith('ivy.zhu@example.com');
    const headers = await asAgent('alice');
    for (const body of [{ provider: 'pipedrive' }, {}, { provider: 'hubspot', extra: 1 }, { provider: 'hubspot', guestId: 'nope' }]) {
      const answer = await call('POST', `/api/conversations/${id}/crm`, { headers, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await call('POST', `/api/conversations/cv_${'0'.repeat(32)}/crm`, { headers, body: { provider: 'hubspot' } })).status).toBe(404);
    expect((await call('POST', `/api/conversations/${id}/crm`, { headers, body: { provider: 'hubspot', guestId: 'gu_notInThisConversation00' } })).status).toBe(404);

    // A guest without an email cannot be matched in a CRM.
    const anonymous = await newGuest('No Email');
    const started = await guestWrites(anonymous, 'alice', 'hi');
    const noEmail = await push(started.body.conversation.id, 'salesforce');
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.error.code).toBe('guest_email_required');

    // Without its secrets a provider is refused up front, naming what is missing.
    const request = Object.assign(
      new Request(`${BASE}/api/conversations/${id}/crm`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'hubspot' }) }),
      { params: { id } },
    );
    let response: Response;
    try {
      response = await runEndpoint(pushToCrmEndpoint, request, { ...env, HUBSPOT_TOKEN: '' }, createExecutionContext());
    } catch (err) {
      response = errorResponse(err);
    }
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'crm_not_configured', details: { missing: ['HUBSPOT_TOKEN'] } } });
    expect(await pushes(id)).toEqual([]);
    expect(await pushes(started.body.conversation.id)).toEqual([]);
  });
});
