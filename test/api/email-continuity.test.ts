import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INBOUND_LIMITS } from '../../src/email/inbound-mail';
import worker from '../../src/index';
import gmailReply from '../fixtures/reply-gmail.eml?raw';
import outlookBody from '../fixtures/reply-outlook-body.txt?raw';
import outlookReply from '../fixtures/reply-outlook.eml?raw';
import { asAgent, call, clientId, drainJobsOf, guestWrites, newGuest, timePassesFor } from '../helpers';
import { book, clearOutbox, dayFromNow, outbox, slots } from '../meetings';
import { TestSocket } from '../socket';

const MIN = 60_000;
const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

/** Time passes for the conversation: every stored due time and send time moves `ms` into the past. */
async function elapse(id: string, ms: number): Promise<void> {
  await timePassesFor(conversation(id), (sql) => {
    sql.exec('UPDATE jobs SET due_at = due_at - ?', ms);
    sql.exec('UPDATE email_recipients SET last_sent_at = last_sent_at - ? WHERE last_sent_at IS NOT NULL', ms);
  });
}

/** Time passes and the alarm fires as it would meanwhile. */
async function timePasses(id: string, ms: number): Promise<void> {
  await elapse(id, ms);
  await drain(id);
}

/** Fires the conversation's alarm until nothing is due now (a digest queues its email for the next run). */
const drain = (id: string) => drainJobsOf(conversation(id));

async function agentSays(who: string, id: string, ...texts: string[]): Promise<void> {
  for (const text of texts) {
    const r = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent(who), body: { clientId: clientId(), text } });
    expect(r.status).toBe(200);
  }
}

async function history(id: string, headers: Record<string, string>): Promise<any[]> {
  const r = await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers });
  return r.body.entries.filter((e: any) => e.kind === 'message');
}

const mailsTo = async (address: string) => (await outbox()).filter((m) => m.to === address);

/** A guest with an email address who wrote to Alice and left; Alice writes five messages. */
async function offlineGuestWithFiveMessages(email: string) {
  const guest = await newGuest('Ann Lee', email);
  const started = await guestWrites(guest, 'alice', 'Hi, what does the Team plan cost?');
  const id: string = started.body.conversation.id;
  await agentSays('alice', id, 'Message 1 from Alice', 'Message 2 from Alice', 'Message 3 from Alice', 'Message 4 from Alice', 'Message 5 from Alice');
  return { guest, id };
}

function inbound(raw: string, from: string, to: string, rawSize?: number) {
  return { from, to, raw: raw as string | ReadableStream<Uint8Array>, ...(rawSize === undefined ? {} : { rawSize }), setReject: vi.fn() };
}

/** As Email Routing hands it to the Worker: the raw message as a stream, with its size. */
function streamed(raw: string, from: string, to: string) {
  const bytes = new TextEncoder().encode(raw);
  return { ...inbound(raw, from, to, bytes.byteLength), raw: new Blob([bytes]).stream() };
}
const receive = (message: ReturnType<typeof inbound>) => worker.email(message as unknown as ForwardableEmailMessage, env);

function gmail(to: string, from: string, messageId = `<CAF${crypto.randomUUID().replaceAll('-', '')}@mail.gmail.com>`): string {
  return gmailReply.replaceAll('{{TO}}', to).replaceAll('{{FROM}}', from).replaceAll('{{MESSAGE_ID}}', messageId);
}

function outlook(to: string, from: string, messageId: string): string {
  const text = outlookBody.replaceAll('{{TO}}', to).replaceAll('{{FROM}}', from);
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(text))).match(/.{1,76}/g)!.join('\r\n');
  return outlookReply.replaceAll('{{TO}}', to).replaceAll('{{FROM}}', from).replaceAll('{{MESSAGE_ID}}', messageId).replace('{{TEXT_BASE64}}', base64);
}

/** A guest's conversation that has had its first digest: the reply address is known. */
async function guestWithDigest(email: string) {
  const { guest, id } = await offlineGuestWithFiveMessages(email);
  await timePasses(id, 2 * MIN);
  const [digest] = await mailsTo(email);
  expect(digest?.replyTo).toBeTruthy();
  return { guest, id, replyTo: digest!.replyTo! };
}

/** Delivers a reply that must bounce: its reason says why, and the conversation gets nothing. */
async function expectBounce(chat: { id: string; guest: { headers: Record<string, string> } }, message: ReturnType<typeof inbound>, reason: string | RegExp) {
  const before = (await history(chat.id, chat.guest.headers)).length;
  await receive(message);
  expect(message.setReject).toHaveBeenCalledWith(typeof reason === 'string' ? expect.stringContaining(reason) : expect.stringMatching(reason));
  expect((await history(chat.id, chat.guest.headers)).length).toBe(before);
}

beforeEach(clearOutbox);
afterEach(async () => {
  vi.restoreAllMocks();
  await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { emailWhenOffline: false } });
});

describe('email continuity: missed messages by email (C12)', () => {
  it('an offline guest gets ONE email with all five agent messages, after a 2-minute gathering pause, once', async () => {
    const { id } = await offlineGuestWithFiveMessages('ann.five@example.com');
    const digest = (await conversation(id).pendingJobs()).find((j) => j.key.startsWith('digest:gu_'));
    expect(digest).toBeTruthy();
    expect(digest!.dueAt - Date.now()).toBeGreaterThan(1.5 * MIN);

    // Nothing leaves during the pause, however often the alarm fires.
    await runDurableObjectAlarm(conversation(id));
    expect(await mailsTo('ann.five@example.com')).toEqual([]);

    await timePasses(id, 2 * MIN);
    const mails = await mailsTo('ann.five@example.com');
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('5 new messages — Alice Martin');
    for (let n = 1; n <= 5; n++) expect(mail!.text).toContain(`Message ${n} from Alice`);
    expect(mail!.text).not.toContain('what does the Team plan cost');
    expect(mail!.text).toContain('http://127.0.0.1:8787/u/alice');
    expect(mail!.replyTo).toMatch(/^reply\+[0-9a-f]{32}\.[0-9]+\.[a-z2-7]{16}@doorbell\.example$/);
    expect(mail!.replyTo!.split('@')[0]!.length).toBeLessThanOrEqual(64);

    // At-least-once alarms: firing again, or the digest job coming back, sends nothing more.
    await runDurableObjectAlarm(conversation(id));
    await runInDurableObject(conversation(id), async (_instance, state) => {
      const participant = state.storage.sql.exec<{ participant_id: string }>("SELECT participant_id FROM email_recipients WHERE participant_id LIKE 'gu_%'").one().participant_id;
      state.storage.sql.exec("INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, 'digest', ?, ?)", `digest:${participant}`, Date.now() - 1, JSON.stringify({ participantId: participant }));
      // As the kernel arms it for a job it keeps: without an alarm the job would never run.
      await state.storage.setAlarm(Date.now());
    });
    await drain(id);
    expect(await mailsTo('ann.five@example.com')).toHaveLength(1);
    // Alice did not opt in: she gets nothing for the guest's message.
    expect(await mailsTo('alice@doorbell.example')).toEqual([]);
  });

  it('a connected guest gets no email, and nor does one who came back and read before the email was due', async () => {
    const guest = await newGuest('Cy Online', 'cy@example.com');
    const id = (await guestWrites(guest, 'alice', 'Hello')).body.conversation.id as string;
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    await socket.next((f) => f.type === 'welcome');
    await agentSays('alice', id, 'One', 'Two', 'Three');
    await socket.next((f) => f.type === 'entry' && f.entry.text === 'Three');
    expect((await conversation(id).pendingJobs()).filter((j) => j.key.startsWith('digest:gu_'))).toEqual([]);
    socket.close();
    await socket.waitClosed();
    await timePasses(id, 15 * MIN);
    expect(await mailsTo('cy@example.com')).toEqual([]);

    // Away when Alice writes, back within the pause: reads, leaves again. Nothing to email.
    await agentSays('alice', id, 'Four', 'Five');
    expect((await conversation(id).pendingJobs()).some((j) => j.key.startsWith('digest:gu_'))).toBe(true);
    const back = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    const welcome = await back.next((f) => f.type === 'welcome');
    back.send({ type: 'read', seq: welcome.conversation.lastSeq });
    await back.next((f) => f.type === 'read');
    back.close();
    await back.waitClosed();
    await timePasses(id, 2 * MIN);
    expect(await mailsTo('cy@example.com')).toEqual([]);
    expect(await conversation(id).pendingJobs()).toEqual([]);
  });

  it('keeps at least 10 minutes between two emails to the same person, and the second carries only what is new', async () => {
    const { id } = await offlineGuestWithFiveMessages('dee@example.com');
    await timePasses(id, 2 * MIN);
    expect(await mailsTo('dee@example.com')).toHaveLength(1);

    await agentSays('alice', id, 'One more thing: the invoice is ready.');
    const next = (await conversation(id).pendingJobs()).find((j) => j.key.startsWith('digest:'));
    expect(next!.dueAt - Date.now()).toBeGreaterThan(9 * MIN);
    await timePasses(id, 3 * MIN);
    expect(await mailsTo('dee@example.com')).toHaveLength(1);

    await timePasses(id, 7 * MIN);
    const mails = await mailsTo('dee@example.com');
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toBe('New message — Alice Martin');
    expect(mails[1]!.text).toContain('the invoice is ready');
    expect(mails[1]!.text).not.toContain('Message 5 from Alice');
  });

  it('an email the provider fails to take is retried with backoff until it goes out, once', async () => {
    const { id } = await offlineGuestWithFiveMessages('ned@example.com');
    await elapse(id, 2 * MIN);
    await env.DB.prepare('ALTER TABLE outbox RENAME TO outbox_unavailable').run();
    try {
      await drain(id);
      const failing = (await conversation(id).pendingJobs()).filter((j) => j.kind === 'email');
      expect(failing).toHaveLength(1);
      expect(failing[0]!.attempts).toBeGreaterThanOrEqual(1);
      expect(failing[0]!.dueAt).toBeGreaterThan(Date.now());
    } finally {
      await env.DB.prepare('ALTER TABLE outbox_unavailable RENAME TO outbox').run();
    }
    await timePasses(id, 5 * MIN);
    const mails = await mailsTo('ned@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('5 new messages — Alice Martin');
    expect(await conversation(id).pendingJobs()).toEqual([]);
  });

  it('a meeting’s guest gets the messages of the meeting conversation, with no chat-page link that would open another one', async () => {
    const [slot] = await slots('alice', 'UTC', 30, dayFromNow(30));
    const booked = await book(slot!.start, { email: 'mona@example.com', name: 'Mona Meet' });
    expect(booked.status).toBe(201);
    const id: string = booked.body.meeting.conversationId;
    await agentSays('alice', id, 'Looking forward to it. Anything to prepare?');
    await timePasses(id, 2 * MIN);
    const digests = (await mailsTo('mona@example.com')).filter((m) => m.subject.endsWith('— Alice Martin'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.text).toContain('Anything to prepare?');
    expect(digests[0]!.text).toContain('Reply to this email to answer in the conversation.');
    expect(digests[0]!.text).not.toContain('/u/alice');
  });

  it('a guest without an email address gets nothing, and nothing waits for them', async () => {
    const guest = await newGuest('No Mail');
    const id = (await guestWrites(guest, 'alice', 'Hi')).body.conversation.id as string;
    await agentSays('alice', id, 'Hello');
    await timePasses(id, 2 * MIN);
    expect(await outbox()).toEqual([]);
    expect(await conversation(id).pendingJobs()).toEqual([]);
  });
});

describe('agents opt in to email continuity', () => {
  it('an agent who opted in gets the guest’s messages while offline; one who did not gets none', async () => {
    const alice = await asAgent('alice');
    expect((await call('GET', '/api/inbox/settings', { headers: alice })).body).toMatchObject({ emailWhenOffline: false });
    const on = await call('PATCH', '/api/inbox/settings', { headers: alice, body: { emailWhenOffline: true } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ emailWhenOffline: true });
    expect((await call('GET', '/api/inbox/settings', { headers: alice })).body).toMatchObject({ emailWhenOffline: true });

    // Sales: Alice (opted in) and Carol (not) are both in the conversation.
    const guest = await newGuest('Eve Buyer', 'eve@example.com');
    const id = (await guestWrites(guest, 'service:sales', 'Do you ship to Canada?')).body.conversation.id as string;
    const more = await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text: 'And to Mexico?' } });
    expect(more.status).toBe(200);
    await timePasses(id, 2 * MIN);
    const toAlice = await mailsTo('alice@doorbell.example');
    expect(toAlice).toHaveLength(1);
    expect(toAlice[0]!.subject).toBe('2 new messages — Eve Buyer');
    expect(toAlice[0]!.text).toContain('Do you ship to Canada?');
    expect(toAlice[0]!.text).toContain('And to Mexico?');
    expect(toAlice[0]!.text).toContain('/console');
    expect(await mailsTo('carol@doorbell.example')).toEqual([]);
  });

  it('an opted-in agent whose console is open gets no email', async () => {
    await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { emailWhenOffline: true } });
    const { agentToken } = await import('../helpers');
    const console = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await console.next((f) => f.type === 'inbox');
    const guest = await newGuest('Fay Later', 'fay@example.com');
    const id = (await guestWrites(guest, 'alice', 'Are you there?')).body.conversation.id as string;
    await timePasses(id, 2 * MIN);
    console.close();
    expect(await mailsTo('alice@doorbell.example')).toEqual([]);
  });

  it('refuses a malformed setting and changes nothing', async () => {
    const alice = await asAgent('alice');
    const bad = await call('PATCH', '/api/inbox/settings', { headers: alice, body: { emailWhenOffline: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    const extra = await call('PATCH', '/api/inbox/settings', { headers: alice, body: { emailWhenOffline: true, everything: true } });
    expect(extra.status).toBe(400);
    expect((await call('GET', '/api/inbox/settings', { headers: alice })).body).toMatchObject({ emailWhenOffline: false });
    const asGuest = await call('GET', '/api/inbox/settings', { headers: (await newGuest()).headers });
    expect(asGuest.status).toBe(403);
  });
});

describe('answering by email', () => {
  it('a Gmail reply lands as just the new text, once, even when delivered twice', async () => {
    const { guest, id, replyTo } = await guestWithDigest('gina.reply@example.com');
    const raw = gmail(replyTo, 'gina.reply@example.com');
    const first = inbound(raw, 'gina.reply@example.com', replyTo);
    await receive(first);
    expect(first.setReject).not.toHaveBeenCalled();
    const again = streamed(raw, 'gina.reply@example.com', replyTo);
    await receive(again);
    expect(again.setReject).not.toHaveBeenCalled();

    const messages = await history(id, guest.headers);
    const replies = messages.filter((m) => m.author.id === guest.id && m.text.startsWith('Thanks Alice'));
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toBe('Thanks Alice! The Team plan, for 12 people.\nCould we start on Monday?\n\nAnn');
    expect(replies[0].author).toMatchObject({ kind: 'guest', name: 'Ann Lee' });
  });

  it('an Outlook reply lands without the "From: … Sent: …" block and what follows', async () => {
    const { guest, id, replyTo } = await guestWithDigest('olga@example.com');
    const message = inbound(outlook(replyTo, 'olga@example.com', '<AM9PR07MB7123A1@AM9PR07MB7123.eurprd07.prod.outlook.com>'), 'olga@example.com', replyTo);
    await receive(message);
    expect(message.setReject).not.toHaveBeenCalled();
    const last = (await history(id, guest.headers)).at(-1);
    expect(last.text).toBe('Perfect, see you on Monday at 10.\nAnn');
  });

  it('an agent who opted in answers by email, as herself', async () => {
    await call('PATCH', '/api/inbox/settings', { headers: await asAgent('alice'), body: { emailWhenOffline: true } });
    const guest = await newGuest('Hal Guest', 'hal@example.com');
    const id = (await guestWrites(guest, 'alice', 'Can I pay by card?')).body.conversation.id as string;
    await timePasses(id, 2 * MIN);
    const [toAlice] = await mailsTo('alice@doorbell.example');
    const message = inbound(gmail(toAlice!.replyTo!, 'alice@doorbell.example'), 'alice@doorbell.example', toAlice!.replyTo!);
    await receive(message);
    expect(message.setReject).not.toHaveBeenCalled();
    const last = (await history(id, guest.headers)).at(-1);
    expect(last.author).toMatchObject({ kind: 'agent', name: 'Alice Martin' });
    expect(last.text.startsWith('Thanks Alice!')).toBe(true);
  });

  it('rejects a forged reply address and posts nothing', async () => {
    const chat = await guestWithDigest('ivy@example.com');
    const { replyTo } = chat;
    const [local, domain] = replyTo.split('@');
    const signature = local!.slice(-16);
    const forgedSignature = `${local!.slice(0, -16)}${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}@${domain}`;
    const otherRecipient = replyTo.replace(/\.(\d+)\./, (_m, n: string) => `.${Number(n) + 1}.`);
    const otherConversation = replyTo.replace(/reply\+[0-9a-f]/, (m) => (m.endsWith('0') ? m.slice(0, -1) + '1' : m.slice(0, -1) + '0'));
    for (const address of [forgedSignature, otherRecipient, otherConversation, 'reply+nonsense@doorbell.example']) {
      await expectBounce(chat, inbound(gmail(address, 'ivy@example.com'), 'ivy@example.com', address), 'reply address is not valid');
    }
  });

  it('rejects a reply from another sender than the participant', async () => {
    const chat = await guestWithDigest('jo@example.com');
    const forwarded = inbound(gmail(chat.replyTo, 'mallory@evil.example'), 'mallory@evil.example', chat.replyTo);
    await expectBounce(chat, forwarded, 'does not come from the address the conversation emailed');
  });

  it('rejects a reply whose From: header names the guest but whose envelope sender is a stranger', async () => {
    const chat = await guestWithDigest('jay@example.com');
    const forged = inbound(gmail(chat.replyTo, 'jay@example.com'), 'mallory@evil.example', chat.replyTo);
    await expectBounce(chat, forged, 'does not come from the address the conversation emailed');
  });

  it('bounces an over-size attachment, or an over-size email, naming the limit', async () => {
    const chat = await guestWithDigest('kim@example.com');
    const { replyTo } = chat;
    // 11 MiB of zero bytes, base64 encoded ("AAAA" is three zero bytes).
    const attachment = 'AAAA'.repeat((11 * 1024 * 1024) / 3 + 1).match(/.{1,76}/g)!.join('\r\n');
    const raw = [
      'From: Kim <kim@example.com>',
      `To: ${replyTo}`,
      'Subject: Re: plans',
      'Message-ID: <big-1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Here is the contract.',
      '--b1',
      'Content-Type: application/pdf; name="contract.pdf"',
      'Content-Disposition: attachment; filename="contract.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--b1--',
      '',
    ].join('\r\n');
    expect(raw.length).toBeLessThan(INBOUND_LIMITS.rawBytes);
    await expectBounce(chat, inbound(raw, 'kim@example.com', replyTo, raw.length), /attachments of this email total 11\.0 MB.*at most 10\.0 MB/);
    await expectBounce(chat, inbound(gmail(replyTo, 'kim@example.com'), 'kim@example.com', replyTo, 21 * 1024 * 1024), 'limited to 20.0 MB');
  });

  it('an HTML-only reply wrapped in 1 MiB of hostile markup is posted as the text above it', async () => {
    const { guest, id, replyTo } = await guestWithDigest('hana@example.com');
    const html = `<div>Yes, Monday works.</div><blockquote>${'<div><blockquote>'.repeat(20_000)}</blockquote><!--${'<style>'.repeat(120_000)}`;
    const raw = ['From: Hana <hana@example.com>', `To: ${replyTo}`, 'Subject: Re: plans', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html, ''].join('\r\n');
    expect(raw.length).toBeGreaterThan(1024 * 1024);
    const message = streamed(raw, 'hana@example.com', replyTo);
    await receive(message);
    expect(message.setReject).not.toHaveBeenCalled();
    expect((await history(id, guest.headers)).at(-1).text).toBe('Yes, Monday works.');
  });

  it('refuses a reply that is only the quoted email, and an automatic reply', async () => {
    const chat = await guestWithDigest('lee@example.com');
    const { replyTo } = chat;
    const quoteOnly = gmail(replyTo, 'lee@example.com').replace('Thanks Alice! The Team plan, for 12 people.\r\nCould we start on Monday?\r\n\r\nAnn\r\n', '');
    await expectBounce(chat, inbound(quoteOnly, 'lee@example.com', replyTo), 'no text of its own');
    const vacation = gmail(replyTo, 'lee@example.com').replace('MIME-Version: 1.0', 'Auto-Submitted: auto-replied\r\nMIME-Version: 1.0');
    await expectBounce(chat, inbound(vacation, 'lee@example.com', replyTo), 'Automatic replies are not posted');
  });
});
