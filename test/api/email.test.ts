import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/directory/ids';
import { EmailSendError, httpMailer, mailerFor, sendEmailMailer } from '../../src/email/mailer';
import type { OutgoingEmail } from '../../src/email/message';
import { outboxAttachmentEndpoint, outboxJsonEndpoint, outboxPageEndpoint } from '../../src/email/outbox-endpoints';
import type { Endpoint } from '../../src/http/endpoint';
import { runEndpoint } from '../../src/http/endpoint';
import { errorResponse } from '../../src/http/errors';
import { interceptFetch } from '../fakes/intercept';
import { FakeResend } from '../fakes/resend';
import { BASE } from '../helpers';

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Réunion\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

const email = (overrides: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  id: newId('em'),
  from: { name: 'Doorbell', email: 'doorbell@doorbell.example' },
  to: [{ name: 'Ann Lee', email: 'ann@example.com' }],
  subject: 'Réunion confirmée',
  text: 'See you on Monday.',
  html: '<p>See you on <b>Monday</b>.</p>',
  attachments: [{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: ICS }],
  ...overrides,
});

/**
 * Runs an outbox endpoint the way the route table does (path params set as itty-router
 * sets them), so these tests do not depend on the routes being mounted.
 */
async function run(
  endpoint: Endpoint<any, any, any, any, any>,
  path: string,
  params: Record<string, string> = {},
  environment: typeof env = env,
): Promise<Response> {
  const request = Object.assign(new Request(`${BASE}${path}`), { params });
  try {
    return await runEndpoint(endpoint, request, environment, createExecutionContext());
  } catch (err) {
    return errorResponse(err);
  }
}

const outbox = mailerFor({ DB: env.DB, ENVIRONMENT: 'development', EMAIL_TRANSPORT: 'outbox' });

describe('development outbox', () => {
  it('stores what the outbox mailer sends and lists it newest first, as JSON', async () => {
    const first = await outbox.send(email({ subject: 'First', to: [{ email: 'first@example.com' }] }));
    const second = await outbox.send(email());
    expect(second.id).toMatch(/^em_/);

    const response = await run(outboxJsonEndpoint, '/dev/outbox.json');
    expect(response.status).toBe(200);
    const { emails } = (await response.json()) as { emails: any[] };
    expect(emails.map((e) => e.id).slice(0, 2)).toEqual([second.id, first.id]);
    expect(emails[0]).toMatchObject({
      subject: 'Réunion confirmée',
      from: { name: 'Doorbell', email: 'doorbell@doorbell.example' },
      to: [{ name: 'Ann Lee', email: 'ann@example.com' }],
      text: 'See you on Monday.',
      html: '<p>See you on <b>Monday</b>.</p>',
      attachments: [{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: ICS, url: `/dev/outbox/${second.id}/attachments/0` }],
    });

    const parsed = await PostalMime.parse(emails[0].raw);
    expect(parsed.subject).toBe('Réunion confirmée');
    expect(parsed.messageId).toBe(`<${second.id}@doorbell.example>`);

    const onlyFirst = await run(outboxJsonEndpoint, '/dev/outbox.json?to=FIRST@example.com');
    expect(((await onlyFirst.json()) as { emails: any[] }).emails.map((e) => e.id)).toEqual([first.id]);
  });

  it('shows the emails on a page, with whatever they contain escaped', async () => {
    const { id } = await outbox.send(
      email({ subject: '<script>alert("subject")</script>', html: '<p onclick="x()">Hi & "bye"</p><script>alert(1)</script>' }),
    );
    const response = await run(outboxPageEndpoint, '/dev/outbox');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;');
    expect(page).not.toContain('<script');
    expect(page).toContain('<iframe sandbox srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi &amp; &quot;bye&quot;&lt;/p&gt;');
    expect(page).toContain(`href="/dev/outbox/${id}/attachments/0"`);
    expect(page).toContain('Ann Lee &lt;ann@example.com&gt;');
  });

  it('downloads an attachment with its content type', async () => {
    const { id } = await outbox.send(email());
    const response = await run(outboxAttachmentEndpoint, `/dev/outbox/${id}/attachments/0`, { id, index: '0' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/calendar; method=REQUEST; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''invite.ics");
    expect(await response.text()).toBe(ICS);

    const missing = await run(outboxAttachmentEndpoint, `/dev/outbox/${id}/attachments/1`, { id, index: '1' });
    expect(missing.status).toBe(404);
    const unknown = await run(outboxAttachmentEndpoint, '/dev/outbox/em_nope/attachments/0', { id: 'em_nope', index: '0' });
    expect(unknown.status).toBe(404);
  });

  it('does not exist outside development', async () => {
    const production = { ...env, ENVIRONMENT: 'production' };
    const { id } = await outbox.send(email());
    for (const [endpoint, path, params] of [
      [outboxPageEndpoint, '/dev/outbox', {}],
      [outboxJsonEndpoint, '/dev/outbox.json', {}],
      [outboxAttachmentEndpoint, `/dev/outbox/${id}/attachments/0`, { id, index: '0' }],
    ] as const) {
      const response = await run(endpoint, path, params, production);
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe('not_found');
    }
  });
});

describe('sending the same email again', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the HTTP mailer sends a stable Idempotency-Key, so a retry after a timeout is sent once', async () => {
    const resend = new FakeResend();
    interceptFetch({ 'https://api.resend.com': resend.handler });
    const mailer = httpMailer({ apiKey: 'k' });
    const invite = email();
    resend.timeOutAfterSending = 1;
    const lost = await mailer.send(invite).catch((err: unknown) => err);
    expect(lost).toMatchObject({ retryable: true });
    const retried = await mailer.send(invite);
    expect(resend.delivered).toEqual([{ id: retried.id, to: ['Ann Lee <ann@example.com>'], subject: 'Réunion confirmée' }]);
    // Another email is another key.
    await mailer.send(email());
    expect(resend.delivered).toHaveLength(2);
    expect(resend.violations).toEqual([]);
  });

  it('send_email retried after a partial failure sends only to the recipients that did not get it', async () => {
    const got: string[] = [];
    let refuseBob = true;
    const binding = {
      async send(message: { to: string }) {
        if (message.to === 'bob@example.com' && refuseBob) {
          refuseBob = false;
          throw new Error('temporarily unavailable');
        }
        got.push(message.to);
      },
    } as unknown as SendEmail;
    const mailer = sendEmailMailer(binding);
    const memo = email({ to: [{ email: 'ann@example.com' }, { email: 'bob@example.com' }, { email: 'cy@example.com' }] });
    // What the job keeps in its payload between attempts.
    let payload: Record<string, unknown> = { email: memo };
    const progress = () => ({
      delivered: (payload.delivered as string[] | undefined) ?? [],
      onDelivered: (to: string) => void (payload = { ...payload, delivered: [...((payload.delivered as string[] | undefined) ?? []), to] }),
    });
    const failed = await mailer.send(memo, progress()).catch((err: unknown) => err);
    expect(failed).toMatchObject({ retryable: true });
    expect(payload.delivered).toEqual(['ann@example.com']);
    const first = await mailer.send(memo, progress());
    expect(got).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com']);
    expect(first.id).toBe(`${memo.id}@doorbell.example`);
  });

  it('the outbox keeps one copy of an email stored twice', async () => {
    const memo = email({ subject: 'Stored twice' });
    await outbox.send(memo);
    await outbox.send(memo);
    const { results } = await env.DB.prepare("SELECT id FROM outbox WHERE subject = 'Stored twice'").all();
    expect(results).toEqual([{ id: memo.id }]);
  });
});

describe('mailerFor', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses a missing or incomplete configuration instead of dropping emails, and logs why', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => mailerFor({ DB: env.DB })).toThrow(/EMAIL_TRANSPORT/);
    expect(() => mailerFor({ DB: env.DB, EMAIL_TRANSPORT: 'smtp' })).toThrow(/EMAIL_TRANSPORT/);
    expect(() => mailerFor({ DB: env.DB, EMAIL_TRANSPORT: 'http' })).toThrow(/EMAIL_API_KEY/);
    expect(() => mailerFor({ DB: env.DB, EMAIL_TRANSPORT: 'send_email' })).toThrow(/SEND_EMAIL/);
    // Each a 503 a request can answer, never a 500.
    for (const vars of [{}, { EMAIL_TRANSPORT: 'smtp' }, { EMAIL_TRANSPORT: 'http' }, { EMAIL_TRANSPORT: 'send_email' }]) {
      expect(() => mailerFor({ DB: env.DB, ...vars })).toThrow(expect.objectContaining({ status: 503, code: 'email_not_configured' }));
    }
    expect(logged.mock.calls.flat().join(' ')).toMatch(/EMAIL_API_KEY/);
  });
});

describe('HTTP mailer (Resend API)', () => {
  afterEach(() => vi.restoreAllMocks());

  const answer = (status: number, body: unknown) =>
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => Response.json(body, { status }));

  it('posts the email as the Resend API documents it', async () => {
    const fetchSpy = answer(200, { id: 're_49a3999c' });
    const mailer = mailerFor({ DB: env.DB, EMAIL_TRANSPORT: 'http', EMAIL_API_KEY: 're_test_key', EMAIL_API_URL: '' });
    const result = await mailer.send(
      email({
        to: [{ name: 'Ann Lee', email: 'ann@example.com' }, { email: 'bob@example.com' }],
        replyTo: { name: 'Lee, Ann', email: 'reply@doorbell.example' },
        headers: { 'X-Doorbell-Meeting': 'mt_1' },
      }),
    );
    expect(result).toEqual({ id: 're_49a3999c' });

    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(url).toBe('https://api.resend.com/emails');
    expect(init?.method).toBe('POST');
    const headers = new Headers(init?.headers);
    expect(headers.get('authorization')).toBe('Bearer re_test_key');
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(init?.body as string)).toEqual({
      from: 'Doorbell <doorbell@doorbell.example>',
      to: ['Ann Lee <ann@example.com>', 'bob@example.com'],
      reply_to: '"Lee, Ann" <reply@doorbell.example>',
      subject: 'Réunion confirmée',
      html: '<p>See you on <b>Monday</b>.</p>',
      text: 'See you on Monday.',
      headers: { 'X-Doorbell-Meeting': 'mt_1' },
      attachments: [
        {
          filename: 'invite.ics',
          content: btoa(String.fromCharCode(...new TextEncoder().encode(ICS))),
          content_type: 'text/calendar; method=REQUEST; charset=utf-8',
        },
      ],
    });
  });

  it('uses EMAIL_API_URL when set', async () => {
    const fetchSpy = answer(200, { id: 'x' });
    await httpMailer({ apiKey: 'k', apiUrl: 'https://mail.internal.example/v1/' }).send(email({ attachments: [] }));
    expect(fetchSpy.mock.calls[0]![0]).toBe('https://mail.internal.example/v1/emails');
    expect(JSON.parse(fetchSpy.mock.calls[0]![1]?.body as string)).not.toHaveProperty('attachments');
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [422, false],
    [401, false],
  ])('maps an answer %i to an error that is retryable: %s', async (status, retryable) => {
    answer(status, { statusCode: status, name: 'error', message: `failure ${status}` });
    const error = await httpMailer({ apiKey: 'k' }).send(email()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EmailSendError);
    expect(error).toMatchObject({ retryable, status });
    expect((error as Error).message).toContain(`failure ${status}`);
  });

  it('treats an unreachable API as retryable', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Network connection lost.'));
    const error = await httpMailer({ apiKey: 'k' }).send(email()).catch((err: unknown) => err);
    expect(error).toMatchObject({ retryable: true });
  });

  it('never calls the API with an email whose headers could be injected', async () => {
    const fetchSpy = answer(200, { id: 'x' });
    const error = await httpMailer({ apiKey: 'k' })
      .send(email({ subject: 'Hi\r\nBcc: victim@example.com' }))
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ retryable: false });
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
