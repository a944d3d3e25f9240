import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyAgentToken } from '../../src/http/auth';
import { agentToken, call, newGuest } from '../helpers';

const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectUnauthorized(token: string, reason: RegExp) {
  const { status, body } = await call('GET', '/api/agents/me', { headers: asBearer(token) });
  expect(status).toBe(401);
  expect(body.error.code).toBe('unauthorized');
  expect(`${body.error.message} ${JSON.stringify(body.error.details)}`).toMatch(reason);
}

describe('agent JWTs', () => {
  it('accepts a valid token and names the agent', async () => {
    const { status, body } = await call('GET', '/api/agents/me', { headers: asBearer(await agentToken('alice')) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ slug: 'alice', email: 'alice@doorbell.example' });
  });

  it('refuses a missing or malformed Authorization header', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer' }] as Record<string, string>[]) {
      const { status, body } = await call('GET', '/api/agents/me', { headers });
      expect(status).toBe(401);
      expect(body.error.message).toMatch(/Authorization: Bearer/);
    }
  });

  it('refuses a bad signature', async () => {
    await expectUnauthorized(await agentToken('alice', { secret: 'another-secret-of-enough-length-000' }), /signature/i);
  });

  it('refuses alg: none', async () => {
    const token = new UnsecuredJWT({ email: 'alice@doorbell.example' })
      .setIssuer(env.AGENT_JWT_ISSUER)
      .setAudience(env.AGENT_JWT_AUDIENCE)
      .setExpirationTime('1h')
      .encode();
    await expectUnauthorized(token, /"reason":"algorithm"/);
  });

  it('refuses another algorithm even with the right secret', async () => {
    await expectUnauthorized(await agentToken('alice', { alg: 'HS512' }), /"reason":"algorithm"/);
  });

  it('refuses an expired token beyond the clock skew, accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectUnauthorized(await agentToken('alice', { expiresIn: now - 120 }), /"reason":"expired"/);
    const withinSkew = await agentToken('alice', { expiresIn: now - 10 });
    expect((await call('GET', '/api/agents/me', { headers: asBearer(withinSkew) })).status).toBe(200);
  });

  it('refuses the wrong audience or issuer', async () => {
    await expectUnauthorized(await agentToken('alice', { audience: 'someone-else' }), /aud/);
    await expectUnauthorized(await agentToken('alice', { issuer: 'evil-idp' }), /iss/);
  });

  it('refuses a token without an email claim', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(env.AGENT_JWT_ISSUER)
      .setAudience(env.AGENT_JWT_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(env.AGENT_JWT_SECRET));
    await expectUnauthorized(token, /email/);
  });

  it('answers 403 for a valid token naming no agent', async () => {
    const { status, body } = await call('GET', '/api/agents/me', { headers: asBearer(await agentToken('mallory@example.com')) });
    expect(status).toBe(403);
    expect(body.error.code).toBe('unknown_agent');
  });

  it('does not take a guest token as an agent token, nor the reverse', async () => {
    const guest = await newGuest();
    expect((await call('GET', '/api/agents/me', { headers: guest.headers })).status).toBe(403);
    expect((await call('GET', '/api/guests/me', { headers: asBearer(await agentToken('alice')) })).status).toBe(403);
  });

  it('refuses admin routes to agents and to a wrong admin token', async () => {
    expect((await call('GET', '/api/admin/agents', { headers: asBearer(await agentToken('alice')) })).status).toBe(401);
    expect((await call('GET', '/api/admin/agents', { headers: asBearer('dev-admin-token') })).status).toBe(401);
    expect((await call('GET', '/api/admin/agents')).status).toBe(401);
  });
});

describe('agent JWTs from an identity provider (JWKS)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('verifies RS256 tokens against the provider keys and refuses HS256 ones', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const jwksUrl = 'https://idp.example.com/.well-known/jwks.json';
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      expect(String(input instanceof Request ? input.url : input)).toBe(jwksUrl);
      return Response.json({ keys: [jwk] });
    });
    const idpEnv = { ...env, AGENT_JWKS_URL: jwksUrl, AGENT_JWT_ALGORITHM: 'RS256', AGENT_JWT_ISSUER: 'https://idp.example.com/' };
    const token = await new SignJWT({ email: 'Carol@Doorbell.example' })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer('https://idp.example.com/')
      .setAudience(env.AGENT_JWT_AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifyAgentToken(token, idpEnv)).toEqual({ email: 'carol@doorbell.example' });
    expect(fetchMock).toHaveBeenCalled();

    const hsToken = await agentToken('carol', { issuer: 'https://idp.example.com/' });
    await expect(verifyAgentToken(hsToken, idpEnv)).rejects.toMatchObject({ status: 401 });
  });
});

describe('guest tokens', () => {
  it('refuses a tampered guest token', async () => {
    const guest = await newGuest();
    const [header, payload, signature] = guest.token.split('.');
    const claims = JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/')));
    const forged = btoa(JSON.stringify({ ...claims, sub: 'gu_someoneElse000000000' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const { status } = await call('GET', '/api/guests/me', { headers: asBearer(`${header}.${forged}.${signature}`) });
    expect(status).toBe(401);
  });
});

describe('tokens of the other kind, and garbage', () => {
  it('answers 403 agents_only to a guest token on an agent route, 403 guests_only to an agent token on a guest route', async () => {
    const guest = await newGuest();
    for (const path of ['/api/agents/me', '/api/inbox', '/api/calendar']) {
      const { status, body } = await call('GET', path, { headers: guest.headers });
      expect([path, status, body.error.code]).toEqual([path, 403, 'agents_only']);
    }
    const asAlice = asBearer(await agentToken('alice'));
    const me = await call('GET', '/api/guests/me', { headers: asAlice });
    expect([me.status, me.body.error.code]).toEqual([403, 'guests_only']);
    const start = await call('POST', '/api/conversations', { headers: asAlice, body: { target: { kind: 'agent', slug: 'alice' }, clientId: 'c1', text: 'hi' } });
    expect([start.status, start.body.error.code]).toEqual([403, 'guests_only']);
  });

  it('still answers 401 to a forged token of either kind: a 403 would say it was genuine', async () => {
    const guest = await newGuest();
    const forgedGuest = `${guest.token.slice(0, -4)}AAAA`;
    expect((await call('GET', '/api/agents/me', { headers: asBearer(forgedGuest) })).status).toBe(401);
    const forgedAgent = await agentToken('alice', { secret: 'another-secret-of-enough-length-000' });
    expect((await call('GET', '/api/guests/me', { headers: asBearer(forgedAgent) })).status).toBe(401);
  });

  it('never shows a jose error code, on any kind of route, for any token', async () => {
    const guest = await newGuest();
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      'garbage',
      'a.b.c',
      `${guest.token.slice(0, -4)}AAAA`,
      await agentToken('alice', { secret: 'another-secret-of-enough-length-000' }),
      await agentToken('alice', { alg: 'HS512' }),
      await agentToken('alice', { expiresIn: now - 120 }),
      await agentToken('alice', { audience: 'someone-else' }),
      guest.token,
      await agentToken('alice'),
    ];
    const documented = new Set(['unauthorized', 'agents_only', 'guests_only', 'unknown_agent']);
    for (const token of tokens) {
      for (const path of ['/api/agents/me', '/api/guests/me', '/api/conversations/cv_00000000000000000000000000000000', '/api/admin/agents']) {
        const { status, body } = await call('GET', path, { headers: asBearer(token) });
        if (status < 400) continue;
        expect(JSON.stringify(body)).not.toMatch(/ERR_|JWS|JWT[A-Z_]/);
        if (status === 401 || status === 403) expect(documented).toContain(body.error.code);
      }
    }
  });
});
