import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, agentToken, asAgent, BASE, call, newGuest } from '../helpers';
import { TestSocket } from '../socket';

// The test environment's GUEST_ORIGINS comes from wrangler.toml (empty), so these tests set
// it through the request's env the Worker sees: the preflight and header rules are pure.
import { preflight, withCors } from '../../src/http/cors';

const site = 'https://shop.example.com';
const withSite = { ...env, GUEST_ORIGINS: `${site}, https://other.example` };

describe('CORS for sites that embed the widget', () => {
  it('answers a preflight from an allowed site, and refuses other sites', async () => {
    const ok = await preflight(new Request('http://doorbell.test/api/guests', { method: 'OPTIONS', headers: { origin: site, 'access-control-request-method': 'POST' } }), withSite, () => 'public');
    expect(ok?.status).toBe(204);
    expect(ok?.headers.get('access-control-allow-origin')).toBe(site);
    expect(ok?.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await preflight(new Request('http://doorbell.test/api/guests', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }), withSite, () => 'public');
    expect(evil?.status).toBe(403);
    expect(evil?.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the allow-origin header to answers for allowed sites only', async () => {
    const answer = () => Response.json({ ok: true });
    expect((await withCors(new Request('http://doorbell.test/x', { headers: { origin: site } }), withSite, answer(), 'public')).headers.get('access-control-allow-origin')).toBe(site);
    expect((await withCors(new Request('http://doorbell.test/x', { headers: { origin: 'https://evil.example' } }), withSite, answer(), 'public')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives no CORS to anyone when no site is configured', async () => {
    const { status, response } = await call('POST', '/api/guests', { headers: { origin: site }, body: { name: 'Ann' } });
    expect(status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS and Origin follow whom a route is for', () => {
  // Sales lets the shop embed it: the shop's pages may use the guest API, and nothing else.
  const SHOP = 'https://shop.example.com';
  const fromShop = (headers: Record<string, string> = {}) => ({ ...headers, origin: SHOP });
  const allowOrigin = (r: { response: Response }) => r.response.headers.get('access-control-allow-origin');
  const preflightFor = (path: string, method = 'GET') =>
    exports.default.fetch(new Request(`${BASE}${path}`, { method: 'OPTIONS', headers: { origin: SHOP, 'access-control-request-method': method } }));

  beforeAll(async () => {
    expect((await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { embedOrigins: [SHOP] } })).status).toBe(200);
  });

  it('guest routes: an allowlisted site gets CORS', async () => {
    const card = await call('GET', '/api/public/services/sales', { headers: fromShop() });
    expect([card.status, allowOrigin(card)]).toEqual([200, SHOP]);
    expect((await preflightFor('/api/guests', 'POST')).status).toBe(204);
  });

  it('the admin API: no CORS for any site, and a request from a page of another site is refused', async () => {
    const r = await call('GET', '/api/admin/agents', { headers: fromShop(ADMIN) });
    expect([r.status, r.body.error.code, allowOrigin(r)]).toEqual([403, 'origin_not_allowed', null]);
    const preflight = await preflightFor('/api/admin/agents', 'POST');
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    const changed = await call('PATCH', '/api/admin/agents/carol', { headers: fromShop(ADMIN), body: { name: 'Carol Shop' } });
    expect(changed.status).toBe(403);
    expect((await call('GET', '/api/admin/agents/carol', { headers: ADMIN })).body.name).not.toBe('Carol Shop');
    // Not a browser (no Origin): the admin token alone decides.
    expect((await call('GET', '/api/admin/agents', { headers: ADMIN })).status).toBe(200);
  });

  it("agent routes: only the console's own origin and clients without Origin", async () => {
    const alice = await asAgent('alice');
    for (const path of ['/api/agents/me', '/api/inbox', '/api/calendar', '/api/contacts']) {
      const r = await call('GET', path, { headers: fromShop(alice) });
      expect([path, r.status, r.body.error?.code, allowOrigin(r)]).toEqual([path, 403, 'origin_not_allowed', null]);
      expect((await preflightFor(path)).status).toBe(403);
      expect((await call('GET', path, { headers: { ...alice, origin: BASE } })).status).toBe(200);
      expect((await call('GET', path, { headers: { ...alice, origin: env.PUBLIC_BASE_URL } })).status).toBe(200);
      expect((await call('GET', path, { headers: alice })).status).toBe(200);
    }
  });

  it('routes for agents and guests alike: a guest of the shop passes, an agent from the shop does not', async () => {
    const guest = await newGuest('Shop Guest');
    const started = await call('POST', '/api/conversations', { headers: fromShop(guest.headers), body: { target: { kind: 'service', slug: 'sales' }, clientId: 'shop-1', text: 'hi' } });
    expect(started.status).toBe(200);
    const id = started.body.conversation.id;
    const asGuest = await call('GET', `/api/conversations/${id}`, { headers: fromShop(guest.headers) });
    expect([asGuest.status, allowOrigin(asGuest)]).toEqual([200, SHOP]);
    const asAgentFromShop = await call('GET', `/api/conversations/${id}`, { headers: fromShop(await asAgent('alice')) });
    expect([asAgentFromShop.status, asAgentFromShop.body.error.code]).toEqual([403, 'origin_not_allowed']);
    const sent = await call('POST', `/api/conversations/${id}/messages`, { headers: fromShop(await asAgent('alice')), body: { clientId: 'shop-a1', text: 'from the shop' } });
    expect(sent.status).toBe(403);
    expect((await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers })).body.entries.map((e: any) => e.text)).not.toContain('from the shop');
  });

  it("agent sockets refuse a page of another site: inbox, calendar and the agent's conversation socket", async () => {
    const token = await agentToken('alice');
    const guest = await newGuest('Socket Guest');
    const started = await call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'service', slug: 'sales' }, clientId: 'sock-1', text: 'hi' } });
    const id = started.body.conversation.id;
    for (const path of ['/api/inbox/socket', '/api/calendar/socket', `/api/conversations/${id}/socket`]) {
      const refused = await TestSocket.refused(path, token, { origin: SHOP });
      expect([path, refused.status]).toEqual([path, 403]);
      expect(((await refused.json()) as any).error.code).toBe('origin_not_allowed');
      const own = await TestSocket.open(path, token, { origin: BASE });
      own.ws.close();
    }
    // The guest's own socket from the shop, which may embed Sales, still opens.
    (await TestSocket.open(`/api/conversations/${id}/socket`, guest.token, { origin: SHOP })).ws.close();
  });
});
