import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { signServerToken } from '../../src/http/auth';
import { interceptFetch } from '../fakes/intercept';
import { ADMIN, asAgent, BASE, call, clientId, guestWrites, newGuest } from '../helpers';
import { outbox } from '../meetings';

/** A request to the Worker with other vars: the limits on (the suite runs with them off), another email transport. */
async function callWith(vars: Record<string, string>, method: string, path: string, headers: Record<string, string> = {}) {
  const response = await worker.fetch(new Request(`${BASE}${path}`, { method, headers }) as never, { ...env, RATE_LIMITS: 'on', ...vars }, createExecutionContext());
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, response };
}

/** The link in the export email sent to `to`, as a path, or undefined. */
async function linkSentTo(to: string): Promise<string | undefined> {
  const mail = (await outbox()).filter((m) => m.to === to && m.subject.startsWith('Your data')).at(-1);
  return mail?.text.match(/https?:\/\/[^/\s]+(\/api\/exports\/[\w.-]+)/)?.[1];
}

const emailMe = (headers: Record<string, string>, vars: Record<string, string> = {}) => callWith(vars, 'POST', '/api/guests/me/export/email', headers);

describe('a guest emails themself their export (docs/privacy.md "The guest themself")', () => {
  it('sends a link at the address they gave, which downloads their own export without agents-only entries, once an hour', async () => {
    const email = `export.${Date.now()}@example.com`;
    const erin = await newGuest('Erin Export', email);
    const id = (await guestWrites(erin, 'service:sales', 'my export question')).body.conversation.id as string;
    const note = `note ${Date.now()}`;
    expect((await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: note, note: true } })).status).toBe(200);

    const sent = await emailMe(erin.headers);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.email).toBe(email);
    expect(Date.parse(sent.body.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const link = await linkSentTo(email);
    expect(link).toBeDefined();

    // The link is the right to read: no token needed, as from a mail client.
    const download = await call('GET', link!);
    expect(download.status).toBe(200);
    expect(download.response.headers.get('content-disposition')).toContain('attachment');
    expect(download.body.guest).toMatchObject({ id: erin.id, email });
    expect(download.body.conversations.find((c: any) => c.id === id).entries.some((e: any) => e.text === 'my export question')).toBe(true);
    expect(JSON.stringify(download.body)).not.toContain(note);

    const again = await emailMe(erin.headers);
    expect([again.status, again.body.error.code, again.body.error.details.limit]).toEqual([429, 'rate_limited', 'export_emails_per_guest']);
    expect(Number(again.response.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect((await outbox()).filter((m) => m.to === email)).toHaveLength(1);
  });

  it('refuses a guest with no address, and a link that is forged, expired or of an erased guest', async () => {
    const ann = await newGuest('Ann NoMail');
    const refused = await emailMe(ann.headers);
    expect([refused.status, refused.body.error.code]).toEqual([422, 'guest_email_required']);

    const email = `erased.${Date.now()}@example.com`;
    const bo = await newGuest('Bo Erased', email);
    expect((await emailMe(bo.headers)).status).toBe(202);
    const link = (await linkSentTo(email))!;
    expect((await call('GET', `${link.slice(0, -4)}AAAA`)).body.error.code).toBe('invalid_link');
    const expired = await signServerToken(env, { typ: 'export', audience: 'doorbell-export', subject: bo.id, expires: Math.floor(Date.now() / 1000) - 600 });
    expect((await call('GET', `/api/exports/${expired}`)).status).toBe(410);
    // A guest token is no export link.
    expect((await call('GET', `/api/exports/${bo.token}`)).body.error.code).toBe('invalid_link');

    expect((await call('POST', `/api/admin/guests/${bo.id}/erase`, { headers: ADMIN, body: { confirm: bo.id } })).status).toBe(202);
    const gone = await call('GET', link);
    expect([gone.status, gone.body.error.code]).toEqual([401, 'guest_erased']);
  });

  it('answers 503 when the email could not be sent, and gives the hour back', async () => {
    const email = `failed.${Date.now()}@example.com`;
    const cy = await newGuest('Cy Failed', email);
    const stop = interceptFetch({ 'https://mail.down.example': () => Response.json({ message: 'down' }, { status: 500 }) });
    try {
      const failed = await emailMe(cy.headers, { EMAIL_TRANSPORT: 'http', EMAIL_API_KEY: 'test-key', EMAIL_API_URL: 'https://mail.down.example' });
      expect([failed.status, failed.body.error.code]).toEqual([503, 'email_send_failed']);
    } finally {
      stop();
    }
    expect((await emailMe(cy.headers)).status).toBe(202);
    expect(await linkSentTo(email)).toBeDefined();
  });

  it('answers 503 email_not_configured when the transport is misconfigured, and gives the hour back', async () => {
    const email = `misconfigured.${Date.now()}@example.com`;
    const di = await newGuest('Di Misconfigured', email);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const vars of [{ EMAIL_TRANSPORT: 'smtp' }, { EMAIL_TRANSPORT: 'http', EMAIL_API_KEY: '' }, { EMAIL_TRANSPORT: 'send_email' }] as Record<string, string>[]) {
        const refused = await emailMe(di.headers, vars);
        expect([vars, refused.status, refused.body.error.code]).toEqual([vars, 503, 'email_not_configured']);
      }
    } finally {
      logged.mockRestore();
    }
    expect((await emailMe(di.headers)).status).toBe(202);
  });
});
