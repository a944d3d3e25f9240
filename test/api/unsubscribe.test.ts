import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpMailer } from '../../src/email/mailer';
import { FakeResend } from '../fakes/resend';
import { interceptFetch } from '../fakes/intercept';
import { unsubscribeUrl } from '../../src/continuity/unsubscribe';
import { signServerToken } from '../../src/http/auth';
import { asAgent, BASE, call, clientId, drainJobsOf, guestWrites, newGuest } from '../helpers';
import { clearOutbox } from '../meetings';

const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

/** The digests' gathering pause is over: every job of the conversation is due, and the alarm runs them. */
async function digestsFallDue(id: string): Promise<void> {
  await runInDurableObject(conversation(id), async (_instance, state) => {
    state.storage.sql.exec('UPDATE jobs SET due_at = 0');
  });
  await drainJobsOf(conversation(id));
}

/** The guest writes to `target` and goes away; Alice answers: a digest is due for the guest. */
async function aliceAnswers(guest: Awaited<ReturnType<typeof newGuest>>, text: string, target = 'alice'): Promise<string> {
  const id = (await guestWrites(guest, target, 'Hello')).body.conversation.id as string;
  const sent = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text } });
  expect(sent.status).toBe(200);
  await digestsFallDue(id);
  return id;
}

interface Mail {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** The outbox's emails to one address, as /dev/outbox.json lists them and as the raw MIME carries their headers. */
async function mailsTo(address: string): Promise<Mail[]> {
  const listed = await call('GET', `/dev/outbox.json?to=${encodeURIComponent(address)}`);
  expect(listed.status).toBe(200);
  return Promise.all(
    listed.body.emails.map(async (e: Mail & { raw: string }) => {
      const parsed = await PostalMime.parse(e.raw);
      const raw = Object.fromEntries(parsed.headers.map((h) => [h.key, h.value]));
      expect(raw['list-unsubscribe']).toBe(e.headers['List-Unsubscribe']);
      expect(raw['list-unsubscribe-post']).toBe(e.headers['List-Unsubscribe-Post']);
      return { subject: e.subject, text: e.text, html: e.html, headers: e.headers };
    }),
  );
}

/** What a mail client sends for RFC 8058 one-click. */
const oneClick = (url: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(url.replace(env.PUBLIC_BASE_URL, BASE), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'List-Unsubscribe=One-Click' }));

const path = (url: string) => url.slice(url.indexOf('/api/unsubscribe/'));

afterEach(async () => {
  vi.restoreAllMocks();
  await clearOutbox();
  await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { emailWhenOffline: false } });
});

describe('unsubscribing from continuity digests', () => {
  it('a digest carries List-Unsubscribe one-click; posting it stops digests to the guest’s address in every conversation, idempotently', async () => {
    const guest = await newGuest('Una Subscriber', 'una@example.com');
    await aliceAnswers(guest, 'Here is the quote you asked for.');
    const [digest] = await mailsTo('una@example.com');
    expect(digest!.subject).toBe('New message — Alice Martin');
    const url = /^<(https?:\/\/[^>]+\/api\/unsubscribe\/[^>]+)>$/.exec(digest!.headers['List-Unsubscribe']!)?.[1];
    expect(url).toBeTruthy();
    expect(digest!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(digest!.text).toContain(`Unsubscribe: ${url}`);
    expect(digest!.html).toContain('>Unsubscribe from these emails</a>');

    const first = await oneClick(url!);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ unsubscribed: true, kind: 'guest' });
    const again = await oneClick(url!);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ unsubscribed: true, kind: 'guest' });

    // Another conversation (the Sales service): no digest reaches the guest any more.
    await clearOutbox();
    await aliceAnswers(guest, 'Are you still interested?', 'service:sales');
    // Nor to the same address coming back as a new guest.
    await aliceAnswers(await newGuest('Una Again', 'UNA@example.com'), 'Welcome back!');
    expect(await mailsTo('una@example.com')).toEqual([]);
  });

  it('the headers reach the provider: the Resend API gets them in its documented headers field', async () => {
    const guest = await newGuest('Hal Headers', 'hal@example.com');
    await aliceAnswers(guest, 'Your quote is ready.');
    const { id, from, to, subject, text, html, headers } = (await call('GET', '/dev/outbox.json?to=hal@example.com')).body.emails[0];
    const resend = new FakeResend();
    interceptFetch({ 'https://api.resend.com': resend.handler });
    await httpMailer({ apiKey: 'k' }).send({ id, from, to, subject, text, html, headers });
    expect(resend.delivered[0]!.headers).toEqual({
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'List-Unsubscribe': expect.stringMatching(/^<http:\/\/127\.0\.0\.1:8787\/api\/unsubscribe\/[\w-]+\.[\w-]+\.[\w-]+>$/),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(resend.violations).toEqual([]);
  });

  it('opening the link shows a page with a confirm button and changes nothing; a browser’s post gets a page', async () => {
    const guest = await newGuest('Pia Page', 'pia@example.com');
    const url = await unsubscribeUrl(env, guest.id);
    const page = await call('GET', path(url));
    expect(page.status).toBe(200);
    expect(page.response.headers.get('content-type')).toContain('text/html');
    expect(page.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).toContain('Pia Page');
    expect(page.body).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe<\/button><\/form>/);
    expect(page.body).not.toContain('<script');

    // Only looking: the digests still come.
    await aliceAnswers(guest, 'Still there?');
    expect(await mailsTo('pia@example.com')).toHaveLength(1);

    const confirmed = await oneClick(url, { accept: 'text/html,application/xhtml+xml' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('content-type')).toContain('text/html');
    expect(await confirmed.text()).toContain('You are unsubscribed');
  });

  it('an agent’s link turns their emailWhenOffline setting off', async () => {
    const alice = await asAgent('alice');
    await call('PATCH', '/api/inbox/settings', { headers: alice, body: { emailWhenOffline: true } });
    const guest = await newGuest('Gus Guest');
    const id = (await guestWrites(guest, 'alice', 'Is anyone there?')).body.conversation.id as string;
    await digestsFallDue(id);
    const [digest] = await mailsTo('alice@doorbell.example');
    const url = /^<([^>]+)>$/.exec(digest!.headers['List-Unsubscribe']!)![1]!;

    const done = await oneClick(url);
    expect(await done.json()).toEqual({ unsubscribed: true, kind: 'agent' });
    expect((await call('GET', '/api/inbox/settings', { headers: alice })).body).toMatchObject({ emailWhenOffline: false });
  });

  it('a bad, foreign or tampered token is 400, an expired one 410, one for nobody 404; nothing changes; other methods 405', async () => {
    const guest = await newGuest('Tom Tamper', 'tom@example.com');
    const good = path(await unsubscribeUrl(env, guest.id));
    const [head, claims] = good.slice('/api/unsubscribe/'.length).split('.');
    const forged = `/api/unsubscribe/${head}.${claims}.${'A'.repeat(43)}`;
    const otherKind = `/api/unsubscribe/${await signServerToken(env, { typ: 'meeting', audience: 'doorbell-meeting', subject: guest.id, expires: '1d' })}`;
    const guestToken = `/api/unsubscribe/${guest.token}`;
    for (const bad of ['/api/unsubscribe/garbage', forged, otherKind, guestToken]) {
      for (const method of ['GET', 'POST']) {
        const r = await call(method, bad);
        expect(r.status, `${method} ${bad}`).toBe(400);
        expect(r.body.error.code).toBe('invalid_unsubscribe_link');
      }
    }
    const expired = await signServerToken(env, { typ: 'unsubscribe', audience: 'doorbell-unsubscribe', subject: guest.id, expires: Math.floor(Date.now() / 1000) - 3600 });
    expect((await call('POST', `/api/unsubscribe/${expired}`)).body.error.code).toBe('link_expired');
    const nobody = await call('POST', path(await unsubscribeUrl(env, 'gu_nobodyatall0000')));
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('not_found');
    const put = await call('PUT', good);
    expect(put.status).toBe(405);

    // None of those unsubscribed Tom.
    await aliceAnswers(guest, 'Your order shipped.');
    expect(await mailsTo('tom@example.com')).toHaveLength(1);
  });
});
