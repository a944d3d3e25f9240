import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDevelopment } from '../../src/env';
import { mailerFor } from '../../src/email/mailer';
import { verifyAgentToken } from '../../src/http/auth';
import { enumeratedVar } from '../../src/vars';
import { agentToken } from '../helpers';

afterEach(() => vi.restoreAllMocks());

describe('enumerated vars of wrangler.toml (src/vars.ts)', () => {
  it('takes each allowed value as it is spelled, and nothing else', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(enumeratedVar({ EMAIL_TRANSPORT: 'send_email' }, 'EMAIL_TRANSPORT')).toBe('send_email');
    expect(enumeratedVar({ ENVIRONMENT: 'production' }, 'ENVIRONMENT')).toBe('production');
    expect(enumeratedVar({ AGENT_JWT_ALGORITHM: 'ES256' }, 'AGENT_JWT_ALGORITHM')).toBe('ES256');
    expect(log).not.toHaveBeenCalled();
    for (const value of ['Outbox', ' outbox', 'smtp', '']) expect(enumeratedVar({ EMAIL_TRANSPORT: value }, 'EMAIL_TRANSPORT')).toBeNull();
    expect(enumeratedVar({}, 'EMAIL_TRANSPORT')).toBeNull();
    // Without a JWKS, tokens are HS256 and the var is not read; with one, HS256 is no provider's algorithm.
    expect(enumeratedVar({ AGENT_JWT_ALGORITHM: 'HS256' }, 'AGENT_JWT_ALGORITHM')).toBeNull();
  });

  it('logs a wrong value once per isolate, naming the var, the value and the allowed values', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (let i = 0; i < 3; i++) expect(enumeratedVar({ ENVIRONMENT: 'prod-eu' }, 'ENVIRONMENT')).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('ENVIRONMENT is "prod-eu" in wrangler.toml [vars]; set it to one of development, production.');
    enumeratedVar({ ENVIRONMENT: 'staging' }, 'ENVIRONMENT');
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('a wrong ENVIRONMENT counts as production: development-only behaviour stays off', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(isDevelopment({ ENVIRONMENT: 'development' })).toBe(true);
    expect(isDevelopment({ ENVIRONMENT: 'Development' })).toBe(false);
    expect(isDevelopment({ ENVIRONMENT: 'production' })).toBe(false);
  });

  it('a wrong EMAIL_TRANSPORT makes every send fail with the allowed values, rather than guess', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => mailerFor({ DB: env.DB, EMAIL_TRANSPORT: 'smtp' })).toThrow(
      'EMAIL_TRANSPORT is "smtp" in wrangler.toml [vars]; set it to one of outbox, send_email, http.',
    );
  });

  it('a wrong AGENT_JWT_ALGORITHM with a JWKS answers agents 503 auth_not_configured, naming the var, not blaming the token', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const fetchMock = vi.spyOn(globalThis, 'fetch');
    const idpEnv = { ...env, AGENT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', AGENT_JWT_ALGORITHM: 'RS265' };
    const refused = await verifyAgentToken(await agentToken('carol'), idpEnv).catch((err: unknown) => err);
    expect(refused).toMatchObject({ status: 503, code: 'auth_not_configured' });
    expect((refused as Error).message).toMatch(/AGENT_JWT_ALGORITHM is "RS265".*RS256/);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
