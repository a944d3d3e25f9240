import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers';

// The test environment's GUEST_ORIGINS comes from wrangler.toml (empty), so these tests set
// it through the request's env the Worker sees: the preflight and header rules are pure.
import { preflight, withCors } from '../../src/http/cors';

const site = 'https://shop.example.com';
const withSite = { ...env, GUEST_ORIGINS: `${site}, https://other.example` };

describe('CORS for sites that embed the widget', () => {
  it('answers a preflight from an allowed site, and refuses other sites', async () => {
    const ok = await preflight(new Request('http://doorbell.test/api/guests', { method: 'OPTIONS', headers: { origin: site, 'access-control-request-method': 'POST' } }), withSite);
    expect(ok?.status).toBe(204);
    expect(ok?.headers.get('access-control-allow-origin')).toBe(site);
    expect(ok?.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await preflight(new Request('http://doorbell.test/api/guests', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }), withSite);
    expect(evil?.status).toBe(403);
    expect(evil?.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the allow-origin header to answers for allowed sites only', async () => {
    const answer = () => Response.json({ ok: true });
    expect((await withCors(new Request('http://doorbell.test/x', { headers: { origin: site } }), withSite, answer())).headers.get('access-control-allow-origin')).toBe(site);
    expect((await withCors(new Request('http://doorbell.test/x', { headers: { origin: 'https://evil.example' } }), withSite, answer())).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives no CORS to anyone when no site is configured', async () => {
    const { status, response } = await call('POST', '/api/guests', { headers: { origin: site }, body: { name: 'Ann' } });
    expect(status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
