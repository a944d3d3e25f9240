import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { mayEmbed } from '../../src/http/embed';
import { ADMIN, asAgent, call, clientId, directorySnapshot, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

// GUEST_ORIGINS is empty in the test environment (wrangler.toml), so every site below is
// allowed, or not, by the services' own embed allowlists.
const SHOP = 'https://shop.example.com';
const HELP = 'https://help.example.org:8443';
const STRANGER = 'https://stranger.example';

const from = (origin: string, headers: Record<string, string> = {}) => ({ ...headers, origin });
const allowOrigin = (r: { response: Response }) => r.response.headers.get('access-control-allow-origin');

async function allow(service: string, embedOrigins: string[]) {
  const r = await call('PATCH', `/api/admin/services/${service}`, { headers: ADMIN, body: { embedOrigins } });
  expect(r.status).toBe(200);
  return r.body;
}

describe('per-service embed allowlist: the admin API', () => {
  it('sets, lists and replaces a service’s embed origins (sorted, without duplicates)', async () => {
    const set = await allow('sales', [SHOP, 'http://localhost:3000', SHOP]);
    expect(set.embedOrigins).toEqual(['http://localhost:3000', SHOP]);
    expect((await call('GET', '/api/admin/services/sales', { headers: ADMIN })).body.embedOrigins).toEqual(['http://localhost:3000', SHOP]);
    const listed = (await call('GET', '/api/admin/services', { headers: ADMIN })).body.services;
    expect(listed.find((s: any) => s.slug === 'support').embedOrigins).toEqual([]);

    // Changing another field keeps the list; giving the list replaces it.
    expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { name: 'Sales' } })).body.embedOrigins).toHaveLength(2);
    expect((await allow('sales', [SHOP])).embedOrigins).toEqual([SHOP]);

    const created = await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: 'events', name: 'Events', embedOrigins: [HELP] } });
    expect(created.status).toBe(201);
    expect(created.body.embedOrigins).toEqual([HELP]);
    expect(await mayEmbed(env, HELP, { kind: 'any' })).toBe(true);
    // Deleting the service takes its allowlist with it.
    expect((await call('DELETE', '/api/admin/services/events', { headers: ADMIN })).status).toBe(204);
    expect(await mayEmbed(env, HELP, { kind: 'any' })).toBe(false);
  });

  it('refuses anything that is not exactly an origin, naming the entry, and changes nothing', async () => {
    await allow('support', [HELP]);
    const before = await directorySnapshot();
    const bad = [
      'https://shop.example.com/',
      'https://shop.example.com/chat',
      'shop.example.com',
      'https://Shop.Example.com',
      'https://shop.example.com:443',
      '*',
      'null',
      'ftp://files.example.com',
      'javascript:alert(1)',
      'https://user:pw@shop.example.com',
    ];
    for (const origin of bad) {
      const r = await call('PATCH', '/api/admin/services/support', { headers: ADMIN, body: { embedOrigins: [SHOP, origin] } });
      expect(r.status, origin).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(r.body.error.details.problems).toEqual([{ path: 'embedOrigins.1', message: expect.stringContaining('must be an origin such as https://shop.example.com') }]);
    }
    const tooMany = Array.from({ length: 51 }, (_, i) => `https://s${i}.example.com`);
    expect((await call('PATCH', '/api/admin/services/support', { headers: ADMIN, body: { embedOrigins: tooMany } })).status).toBe(400);
    expect((await call('PATCH', '/api/admin/services/support', { headers: ADMIN, body: { embedOrigins: 'https://a.example' } })).status).toBe(400);
    expect((await call('GET', '/api/admin/services/support', { headers: ADMIN })).body.embedOrigins).toEqual([HELP]);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('is for admins only: an agent cannot change it, and agents’ service list does not show it', async () => {
    const alice = await asAgent('alice');
    const r = await call('PATCH', '/api/admin/services/sales', { headers: alice, body: { embedOrigins: [STRANGER] } });
    expect(r.status).toBe(401);
    const services = (await call('GET', '/api/services', { headers: alice })).body.services;
    expect(services.every((s: any) => !('embedOrigins' in s))).toBe(true);
    expect(await mayEmbed(env, STRANGER, { kind: 'any' })).toBe(false);
  });
});

describe('per-service embed allowlist: what a site may do', () => {
  it('an allowed site gets CORS and runs a whole chat with its service, socket included', async () => {
    await allow('sales', [SHOP]);
    const preflight = await call('OPTIONS', '/api/conversations', { headers: from(SHOP, { 'access-control-request-method': 'POST' }) });
    expect(preflight.status).toBe(204);
    expect(allowOrigin(preflight)).toBe(SHOP);

    const card = await call('GET', '/api/public/services/sales', { headers: from(SHOP) });
    expect(card.status).toBe(200);
    expect(allowOrigin(card)).toBe(SHOP);
    const made = await call('POST', '/api/guests', { headers: from(SHOP), body: { name: 'Sam Shop' } });
    expect(made.status).toBe(201);
    expect(allowOrigin(made)).toBe(SHOP);
    const guest = { headers: from(SHOP, { authorization: `Bearer ${made.body.token}` }) };
    const started = await guestWrites(guest, 'service:sales', 'Hello from the shop', { widget: true });
    expect(started.status).toBe(200);
    const id = started.body.conversation.id;
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    expect(history.body.entries.map((e: any) => e.text)).toContain('Hello from the shop');
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, made.body.token, from(SHOP));
    expect((await socket.next((f) => f.type === 'welcome')).conversation.id).toBe(id);
    socket.close();
  });

  it('a site allowed for one service is refused another service, its conversations and personal links, with a readable 403', async () => {
    await allow('sales', [SHOP]);
    await allow('support', [HELP]);
    const ann = await newGuest('Ann Help');
    const atHelp = { headers: from(HELP, ann.headers) };

    const card = await call('GET', '/api/public/services/sales', { headers: from(HELP) });
    expect(card.status).toBe(403);
    expect(card.body.error).toMatchObject({ code: 'origin_not_allowed', details: { origin: HELP } });
    expect(card.body.error.message).toContain(`Pages on ${HELP} may not embed the service "sales"`);
    // The site may embed something, so it gets CORS and its page can show this message.
    expect(allowOrigin(card)).toBe(HELP);

    const refused = await guestWrites(atHelp, 'service:sales', 'Let me in', { widget: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('origin_not_allowed');
    // Nothing was started: the same guest writing from the Sales site creates the conversation now.
    await allow('sales', [SHOP]);
    const fromShop = await guestWrites({ headers: from(SHOP, ann.headers) }, 'service:sales', 'Hello');
    expect(fromShop.body.created).toBe(true);
    expect(fromShop.body.seq).toBe(2);

    // Sales' conversation, carried to the Support site with the guest's token: refused.
    const id = fromShop.body.conversation.id;
    expect((await call('GET', `/api/conversations/${id}/messages`, atHelp)).status).toBe(403);
    const post = await call('POST', `/api/conversations/${id}/messages`, { headers: atHelp.headers, body: { clientId: clientId(), text: 'sneaky' } });
    expect(post.status).toBe(403);
    expect((await TestSocket.refused(`/api/conversations/${id}/socket`, ann.token, from(HELP))).status).toBe(403);
    const entries = (await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers })).body.entries;
    expect(entries.map((e: any) => e.text)).not.toContain('sneaky');

    // The Support site does talk to Support.
    expect((await guestWrites(atHelp, 'service:support', 'Help please')).status).toBe(200);

    // Agents' personal links and booking need the organisation-wide list (GUEST_ORIGINS).
    const alice = await call('GET', '/api/public/agents/alice', { headers: from(SHOP) });
    expect(alice.status).toBe(403);
    expect(alice.body.error.message).toContain('GUEST_ORIGINS');
    expect((await guestWrites({ headers: from(SHOP, ann.headers) }, 'alice')).status).toBe(403);
    const booking = await call('POST', '/api/agents/alice/bookings', {
      headers: from(SHOP),
      body: { start: new Date(Date.now() + 5 * 86_400_000).toISOString(), durationMinutes: 30, name: 'Sam', email: 'sam@example.com', timeZone: 'UTC' },
    });
    expect(booking.status).toBe(403);
  });

  it('an unknown site gets no CORS at all, and a preflight refusal that says why', async () => {
    const preflight = await call('OPTIONS', '/api/guests', { headers: from(STRANGER, { 'access-control-request-method': 'POST' }) });
    expect(preflight.status).toBe(403);
    expect(allowOrigin(preflight)).toBeNull();
    expect(preflight.body.error.code).toBe('origin_not_allowed');
    expect(preflight.body.error.message).toContain(STRANGER);
    const card = await call('GET', '/api/public/services/sales', { headers: from(STRANGER) });
    expect(card.status).toBe(403);
    expect(allowOrigin(card)).toBeNull();
  });

  it('this server’s own pages and clients without an Origin are not affected', async () => {
    await allow('sales', []);
    const own = await newGuest('Olive Own');
    expect((await guestWrites({ headers: from('http://doorbell.test', own.headers) }, 'service:sales')).status).toBe(200);
    expect((await guestWrites(own, 'alice')).status).toBe(200);
    expect((await call('GET', '/api/public/services/sales', { headers: from(env.PUBLIC_BASE_URL) })).status).toBe(200);
  });

  it('GUEST_ORIGINS stays the organisation-wide list: every service and personal link', async () => {
    const org = { ...env, GUEST_ORIGINS: 'https://www.example.com, https://blog.example.com' };
    for (const scope of [{ kind: 'service', slug: 'billing' }, { kind: 'agent' }, { kind: 'any' }] as const) {
      expect(await mayEmbed(org, 'https://blog.example.com', scope)).toBe(true);
      expect(await mayEmbed(org, STRANGER, scope)).toBe(false);
    }
  });
});
