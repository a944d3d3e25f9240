import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { mailerFor } from '../../src/email/mailer';
import wranglerToml from '../../wrangler.toml?raw';
import { BASE } from '../helpers';

const production = { ...env, ENVIRONMENT: 'production' };
const fetchAs = (environment: typeof env, path: string) =>
  worker.fetch(new Request(`${BASE}${path}`) as never, environment, createExecutionContext());

/** The [vars] a plain `wrangler deploy` publishes. */
const committedVar = (name: string): string | undefined => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(wranglerToml)?.[1];

describe('what a plain deploy publishes', () => {
  it('the committed wrangler.toml is production: no development routes, no outbox', () => {
    expect(committedVar('ENVIRONMENT')).toBe('production');
    expect(['send_email', 'http']).toContain(committedVar('EMAIL_TRANSPORT'));
    expect(committedVar('PUBLIC_BASE_URL')).not.toMatch(/127\.0\.0\.1|localhost/);
  });

  it('the tests still run as development (vitest.config.ts binds the development values)', () => {
    expect(env.ENVIRONMENT).toBe('development');
    expect(env.EMAIL_TRANSPORT).toBe('outbox');
  });

  it('outside development /dev/* does not exist', async () => {
    for (const path of ['/dev/outbox', '/dev/outbox.json', '/dev/outbox/em_x/attachments/0']) {
      const response = await fetchAs(production, path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(((await response.json()) as any).error.code).toBe('not_found');
    }
    expect((await fetchAs(env, '/dev/outbox.json')).status).toBe(200);
  });

  it('outside development the outbox transport refuses to send, with a clear error and a log line', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => mailerFor({ DB: env.DB, ENVIRONMENT: 'production', EMAIL_TRANSPORT: 'outbox' })).toThrow(
        expect.objectContaining({ status: 503, code: 'email_not_configured' }),
      );
      expect(logged.mock.calls.flat().join(' ')).toMatch(/outbox/);
    } finally {
      logged.mockRestore();
    }
    expect(mailerFor({ DB: env.DB, ENVIRONMENT: 'development', EMAIL_TRANSPORT: 'outbox' })).toBeDefined();
  });
});
