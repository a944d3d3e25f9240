import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { interceptFetch } from '../fakes/intercept';
import { ADMIN, asAgent, BASE, call, directorySnapshot, guestWrites, newGuest } from '../helpers';

const secretPath = (slug: string) => `/api/admin/services/${slug}/identity-secret`;

async function newSecret(slug: string): Promise<string> {
  const { status, body } = await call('POST', secretPath(slug), { headers: ADMIN });
  expect(status).toBe(201);
  return body.secret;
}

let users = 0;
const newUser = () => `user-${Date.now()}-${++users}`;

/** A user token as the site's server signs it: HS256, aud the service slug, 10 minutes. */
const userToken = (secret: string, claims: JWTPayload & { sub: string }, aud = 'sales') =>
  new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));

const identify = (token: string, slug = 'sales', headers: Record<string, string> = {}) =>
  call('POST', '/api/guests/identify', { body: { target: { kind: 'service', slug }, token }, headers });

describe('the identity secret of a service', () => {
  it('is shown once when made, never again; GET says only whether one is set and since when', async () => {
    await call('DELETE', secretPath('support'), { headers: ADMIN });
    expect((await call('GET', secretPath('support'), { headers: ADMIN })).body).toEqual({ set: false, createdAt: null });
    const made = await call('POST', secretPath('support'), { headers: ADMIN });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const status = await call('GET', secretPath('support'), { headers: ADMIN });
    expect(status.body).toEqual({ set: true, createdAt: made.body.createdAt });
    // Nowhere else either: the service as the admin API and the agents' list show it.
    for (const path of ['/api/admin/services/support', '/api/admin/services', secretPath('support')]) {
      expect(JSON.stringify((await call('GET', path, { headers: ADMIN })).body)).not.toContain(made.body.secret);
    }
    expect(JSON.stringify((await call('GET', '/api/services', { headers: await asAgent('alice') })).body)).not.toContain(made.body.secret);
  });

  it('rotation replaces it: tokens signed with the old one are refused at once', async () => {
    const old = await newSecret('sales');
    const token = await userToken(old, { sub: newUser(), name: 'Ann Lee' });
    const fresh = await newSecret('sales');
    expect(fresh).not.toBe(old);
    const refused = await identify(token);
    expect([refused.status, refused.body.error.code, refused.body.error.details.reason]).toEqual([401, 'identity_invalid', 'signature']);
    expect((await identify(await userToken(fresh, { sub: newUser(), name: 'Ann Lee' }))).status).toBe(200);
  });

  it('removed, the service takes no user tokens (409 identity_not_configured); the routes need the admin token and a known service', async () => {
    const secret = await newSecret('support');
    expect((await call('DELETE', secretPath('support'), { headers: ADMIN })).status).toBe(204);
    expect((await call('DELETE', secretPath('support'), { headers: ADMIN })).status).toBe(404);
    const refused = await identify(await userToken(secret, { sub: newUser() }, 'support'), 'support');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'identity_not_configured']);
    for (const method of ['GET', 'POST', 'DELETE']) {
      expect((await call(method, secretPath('sales'))).status).toBe(401);
      expect((await call(method, secretPath('sales'), { headers: await asAgent('alice') })).status).toBe(401);
      expect((await call(method, secretPath('nope'), { headers: ADMIN })).status).toBe(404);
    }
  });
});

describe('identifying a visitor', () => {
  it('the same user on two devices is one guest with one conversation and its history', async () => {
    const secret = await newSecret('sales');
    const sub = newUser();
    const laptop = await identify(await userToken(secret, { sub, name: 'Ann Lee', email: 'ann@shop.example' }));
    expect(laptop.status).toBe(200);
    expect(laptop.body.guest).toMatchObject({ name: 'Ann Lee', email: 'ann@shop.example', identity: { externalId: sub, verifiedBy: 'service_secret' } });
    expect(laptop.body.conversation).toBeNull();
    const headers = { authorization: `Bearer ${laptop.body.token}` };
    const started = await guestWrites({ headers }, 'service:sales', 'Where is my order?', { widget: true });
    expect(started.status).toBe(200);

    // A phone, later, with a token of its own whose name changed on the site.
    const phone = await identify(await userToken(secret, { sub, name: 'Ann Lee-Smith', email: 'ann@shop.example' }));
    expect(phone.body.guest.id).toBe(laptop.body.guest.id);
    expect(phone.body.guest.name).toBe('Ann Lee-Smith');
    expect(phone.body.conversation).toBe(started.body.conversation.id);
    const history = await call('GET', `/api/conversations/${phone.body.conversation}/messages`, { headers: { authorization: `Bearer ${phone.body.token}` } });
    expect(history.body.entries.map((e: any) => e.text)).toContain('Where is my order?');

    // Agents see who it is, verified.
    const details = await call('GET', `/api/conversations/${started.body.conversation.id}/details`, { headers: await asAgent('alice') });
    expect(details.body.guests[0]).toMatchObject({ id: laptop.body.guest.id, email: 'ann@shop.example', identity: { externalId: sub, verifiedBy: 'service_secret' } });
  });

  it('an anonymous guest who identifies keeps their conversation; the user does not get it', async () => {
    const secret = await newSecret('sales');
    const anonymous = await newGuest('Visitor');
    const theirs = (await guestWrites(anonymous, 'service:sales', 'anonymous question', { widget: true })).body.conversation.id;
    const user = await identify(await userToken(secret, { sub: newUser(), name: 'Bo' }));
    expect(user.body.guest.id).not.toBe(anonymous.id);
    expect(user.body.conversation).toBeNull();
    expect((await call('GET', `/api/conversations/${theirs}`, { headers: { authorization: `Bearer ${user.body.token}` } })).status).toBe(404);
    // Anonymous guests' details carry no identity.
    const details = await call('GET', `/api/conversations/${theirs}/details`, { headers: await asAgent('alice') });
    expect(details.body.guests[0].identity).toBeUndefined();
  });

  it('refuses forged, expired, other services’ and far-future tokens, and creates nothing', async () => {
    const secret = await newSecret('sales');
    const other = await newSecret('support');
    const sub = newUser();
    const good = await userToken(secret, { sub, name: 'Eve' });
    const [header, payload] = good.split('.');
    const forgedPayload = btoa(JSON.stringify({ ...JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/'))), sub: 'admin' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const expired = await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setAudience('sales').setIssuedAt(Math.floor(Date.now() / 1000) - 600).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(new TextEncoder().encode(secret));
    const tooLong = await new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setAudience('sales').setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(secret));
    const before = await directorySnapshot();
    const cases: Array<[string, string, string, string?]> = [
      ['forged signature', `${header}.${forgedPayload}.${good.split('.')[2]}`, 'identity_invalid'],
      ['expired', expired, 'identity_expired'],
      ['signed with the support service’s secret', await userToken(other, { sub }), 'identity_invalid'],
      ['meant for support (aud), sent to sales', await userToken(secret, { sub }, 'support'), 'identity_invalid'],
      ['valid for 2 hours', tooLong, 'identity_invalid'],
      ['garbage', 'garbage', 'identity_invalid'],
    ];
    for (const [what, token, code] of cases) {
      const { status, body } = await identify(token);
      expect([what, status, body.error.code]).toEqual([what, 401, code]);
    }
    expect(await directorySnapshot()).toEqual(before);
    const bad = await call('POST', '/api/guests/identify', { body: { target: { kind: 'service', slug: 'sales' }, token: 'x'.repeat(5000) } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await identify(good, 'nope')).status).toBe(404);
  });

  it('a page on a site that may not embed the service is refused before the token is read', async () => {
    const secret = await newSecret('sales');
    const { status, body } = await identify(await userToken(secret, { sub: newUser() }), 'sales', { origin: 'https://evil.example' });
    expect([status, body.error.code]).toEqual([403, 'origin_not_allowed']);
  });
});

describe('user tokens signed with the organisation keys (IDENTITY_JWKS_URL)', () => {
  let stop = () => {};
  afterEach(() => stop());

  it('one guest per user across services, verified against the fetched key set; the wrong issuer is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'org-1', alg: 'ES256', use: 'sig' };
    let fetched = 0;
    stop = interceptFetch({ 'https://login.shop.example': (r) => (fetched++, expect(r.url.pathname).toBe('/.well-known/jwks.json'), Response.json({ keys: [jwk] })) });
    const orgEnv = { ...env, IDENTITY_JWKS_URL: 'https://login.shop.example/.well-known/jwks.json', IDENTITY_ISSUER: 'https://login.shop.example', IDENTITY_JWT_ALGORITHM: 'ES256' };
    const sign = (aud: string, sub: string, iss = 'https://login.shop.example') =>
      new SignJWT({ name: 'Cy' }).setProtectedHeader({ alg: 'ES256', kid: 'org-1' }).setSubject(sub).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const identifyWith = async (slug: string, token: string) => {
      const response = await worker.fetch(
        new Request(`${BASE}/api/guests/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: { kind: 'service', slug }, token }) }) as never,
        orgEnv,
        createExecutionContext(),
      );
      return { status: response.status, body: (await response.json()) as any };
    };
    await call('DELETE', secretPath('support'), { headers: ADMIN });
    const sub = newUser();
    const sales = await identifyWith('sales', await sign('sales', sub));
    const support = await identifyWith('support', await sign('support', sub));
    expect([sales.status, support.status]).toEqual([200, 200]);
    expect(support.body.guest.id).toBe(sales.body.guest.id);
    expect(sales.body.guest.identity).toEqual({ externalId: sub, verifiedBy: 'organisation' });
    expect(fetched).toBeGreaterThan(0);
    const wrongIssuer = await identifyWith('support', await sign('support', sub, 'https://evil.example'));
    expect([wrongIssuer.status, wrongIssuer.body.error.code, wrongIssuer.body.error.details.claim]).toEqual([401, 'identity_invalid', 'iss']);
    // The same sub through a service's own secret is another guest: the service vouches only for its own users.
    const own = await identify(await userToken(await newSecret('sales'), { sub }));
    expect(own.body.guest.id).not.toBe(sales.body.guest.id);
  });
});
