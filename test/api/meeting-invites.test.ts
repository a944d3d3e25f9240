import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import ICAL from 'ical.js';
import PostalMime from 'postal-mime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import eml from '../fixtures/itip-reply.eml?raw';
import { asAgent, call } from '../helpers';
import { ALICE_ID, book, calendarStub, clearOutbox, dayFromNow, drainJobs, slots } from '../meetings';

const ALICE = 'alice@doorbell.example';
const GUEST = 'gina@example.com';
const SENDER = 'meetings@doorbell.example';

interface Received {
  to: string;
  /** Everything the recipient can read: headers, text, HTML and every part's content. */
  readable: string;
  text: string;
  calendarParts: Array<{ mimeType: string; disposition: string | null; content: string }>;
  /** The invite's VEVENT and METHOD, from the text/calendar part, read with ical.js. */
  event: ICAL.Component | null;
  method: string | null;
}

/** The emails in the development outbox, read back from their raw MIME as a mail client would. */
async function received(): Promise<Received[]> {
  const { results } = await env.DB.prepare('SELECT raw FROM outbox ORDER BY created_at, rowid').all<{ raw: string }>();
  const out: Received[] = [];
  for (const { raw } of results) {
    const mail = await PostalMime.parse(raw);
    const decode = (c: string | ArrayBuffer | Uint8Array) => (typeof c === 'string' ? c : new TextDecoder().decode(c));
    const calendarParts = mail.attachments
      .filter((a) => /calendar|ics/i.test(a.mimeType) || /\.ics$/i.test(a.filename ?? ''))
      .map((a) => ({ mimeType: a.mimeType, disposition: a.disposition, content: decode(a.content) }));
    const inline = calendarParts.find((p) => p.mimeType === 'text/calendar');
    const vcalendar = inline ? new ICAL.Component(ICAL.parse(inline.content)) : null;
    out.push({
      to: mail.to?.[0]?.address ?? '',
      readable: [...mail.headers.map((h) => `${h.key}: ${h.value}`), mail.text ?? '', mail.html ?? '', ...mail.attachments.map((a) => decode(a.content))].join('\n'),
      text: mail.text ?? '',
      calendarParts,
      event: vcalendar?.getFirstSubcomponent('vevent') ?? null,
      method: vcalendar ? String(vcalendar.getFirstPropertyValue('method')) : null,
    });
  }
  return out;
}

const attendees = (event: ICAL.Component) =>
  event.getAllProperties('attendee').map((a) => ({
    email: String(a.getFirstValue()).replace(/^mailto:/i, '').toLowerCase(),
    partstat: String(a.getParameter('partstat')),
    rsvp: String(a.getParameter('rsvp')),
  }));

const guestReply = (meeting: any, partstat: 'ACCEPTED' | 'DECLINED' | 'TENTATIVE', envelope = GUEST) => ({
  from: envelope,
  to: SENDER,
  raw: eml
    .replaceAll('{{UID}}', `${ALICE_ID}.${meeting.id}@doorbell`)
    .replaceAll('{{SEQUENCE}}', String(meeting.sequence))
    .replaceAll('{{DTSTART}}', '20261201T100000Z')
    .replaceAll('{{DTEND}}', '20261201T103000Z')
    .replaceAll('{{PARTSTAT}}', partstat)
    .replaceAll('{{VERB}}', 'answered')
    .replaceAll('{{SUBJECT}}', 'Answer')
    .replaceAll('alice@doorbell.example', GUEST)
    .replaceAll('CN=Alice Martin', 'CN=Gina Guest'),
  setReject: vi.fn(),
});

const receive = (message: ReturnType<typeof guestReply>) => worker.email(message as unknown as ForwardableEmailMessage, env);

async function meetingStatus(id: string): Promise<string> {
  const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
  return calendar.body.meetings.find((m: any) => m.id === id).status;
}

beforeEach(clearOutbox);

describe('what the guest receives never shows the agent’s address', () => {
  it('booking, reschedule and cancellation: the guest’s emails and .ics name only the guest and Doorbell’s sender', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(24));
    const { body } = await book(list[0]!.start);
    const alice = await asAgent('alice');
    await drainJobs();
    await call('PATCH', `/api/calendar/meetings/${body.meeting.id}`, { headers: alice, body: { start: list[4]!.start } });
    await drainJobs();
    await call('DELETE', `/api/calendar/meetings/${body.meeting.id}`, { headers: alice });
    await drainJobs();

    const toGuest = (await received()).filter((m) => m.to === GUEST);
    expect(toGuest.map((m) => m.method)).toEqual(['REQUEST', 'REQUEST', 'CANCEL']);
    for (const mail of toGuest) {
      expect(mail.readable).not.toContain(ALICE);
      expect(attendees(mail.event!).map((a) => a.email)).toEqual([GUEST]);
      expect(String(mail.event!.getFirstPropertyValue('organizer'))).toBe(`mailto:${SENDER}`);
    }
  });
});

/** A meeting link's page and claims, without the second it was signed in. */
function signedLink(url: string): { page: string; claims: Record<string, unknown> } {
  const [page, token] = url.split('#');
  const { iat: _signedAt, ...claims } = JSON.parse(atob(token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
  return { page: page!, claims };
}

describe('the agent’s invite links to the console, not to the guest’s signed link', () => {
  it('DESCRIPTION and URL of the agent’s copy open the meeting in the console; the guest’s copy keeps the manage link', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(25));
    const { body } = await book(list[0]!.start);
    await drainJobs();
    const mails = await received();
    const toAlice = mails.find((m) => m.to === ALICE)!;
    const consoleLink = `${env.PUBLIC_BASE_URL}/console#/c/${body.meeting.conversationId}`;
    expect(toAlice.event!.getFirstPropertyValue('url')).toBe(consoleLink);
    expect(String(toAlice.event!.getFirstPropertyValue('description'))).toContain(consoleLink);
    expect(toAlice.readable).not.toContain('/meeting#');
    expect(toAlice.readable).not.toContain(body.guestLink.split('#')[1]);
    expect(attendees(toAlice.event!).map((a) => a.email).sort()).toEqual([ALICE, GUEST]);

    // The same signed link as the booking's answer, up to when it was signed (iat).
    const toGuest = mails.find((m) => m.to === GUEST)!;
    const guestUrl = String(toGuest.event!.getFirstPropertyValue('url'));
    expect(signedLink(guestUrl)).toEqual(signedLink(body.guestLink));
    expect(String(toGuest.event!.getFirstPropertyValue('description'))).toContain(guestUrl);
  });
});

describe('an invite is one calendar part and one .ics file', () => {
  it('text/calendar with its METHOD for the buttons, and an application/ics attachment', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(26));
    await book(list[0]!.start);
    await drainJobs();
    for (const mail of await received()) {
      expect(mail.calendarParts.map((p) => [p.mimeType, p.disposition])).toEqual([
        ['text/calendar', null],
        ['application/ics', 'attachment'],
      ]);
      expect(mail.calendarParts[1]!.content).toBe(mail.calendarParts[0]!.content);
    }
  });
});

describe('a declined invite leaves no ghost in the guest’s calendar', () => {
  beforeEach(async () => {
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('alice'), body: { confirmation: 'invite' } });
  });
  afterEach(async () => {
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('alice'), body: { confirmation: 'auto' } });
  });

  it('the agent declining in the console sends the guest a METHOD:CANCEL with the same UID and a higher SEQUENCE', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(27));
    const { body } = await book(list[0]!.start);
    await drainJobs();
    const invite = (await received()).find((m) => m.to === GUEST)!;
    expect(invite.method).toBe('REQUEST');
    expect(invite.event!.getFirstPropertyValue('status')).toBe('TENTATIVE');
    await clearOutbox();

    const declined = await call('POST', `/api/calendar/meetings/${body.meeting.id}/respond`, { headers: await asAgent('alice'), body: { answer: 'decline' } });
    expect(declined.status).toBe(200);
    await drainJobs();
    const cancel = (await received()).find((m) => m.to === GUEST)!;
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.event!.getFirstPropertyValue('uid')).toBe(invite.event!.getFirstPropertyValue('uid'));
    expect(Number(cancel.event!.getFirstPropertyValue('sequence'))).toBeGreaterThan(Number(invite.event!.getFirstPropertyValue('sequence')));
    expect(cancel.event!.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});

describe('the guest answers the invite from their calendar', () => {
  it('the guest’s ATTENDEE asks for no answer', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(28));
    await book(list[0]!.start);
    await drainJobs();
    const invite = (await received()).find((m) => m.to === GUEST)!;
    expect(attendees(invite.event!)).toEqual([{ email: GUEST, partstat: 'ACCEPTED', rsvp: 'FALSE' }]);
  });

  it('a DECLINED reply from the guest’s address cancels the meeting like the cancel link; other answers are taken and ignored', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(29));
    const { body } = await book(list[0]!.start);
    await drainJobs();
    await clearOutbox();

    for (const answer of ['ACCEPTED', 'TENTATIVE'] as const) {
      const reply = guestReply(body.meeting, answer);
      await receive(reply);
      expect(reply.setReject).not.toHaveBeenCalled();
      expect(await meetingStatus(body.meeting.id)).toBe('confirmed');
    }

    const declined = guestReply(body.meeting, 'DECLINED');
    await receive(declined);
    expect(declined.setReject).not.toHaveBeenCalled();
    expect(await meetingStatus(body.meeting.id)).toBe('cancelled');
    await drainJobs();
    const mails = await received();
    expect(mails.map((m) => [m.to, m.method]).sort()).toEqual([
      [ALICE, 'CANCEL'],
      [GUEST, 'CANCEL'],
    ]);
  });

  it('a DECLINED reply naming the guest from a stranger’s envelope is refused and changes nothing', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(30));
    const { body } = await book(list[0]!.start);
    const forged = guestReply(body.meeting, 'DECLINED', 'mallory@evil.example');
    await receive(forged);
    expect(forged.setReject).toHaveBeenCalledWith("This calendar reply does not come from the meeting's agent or guest.");
    expect(await meetingStatus(body.meeting.id)).toBe('confirmed');
  });
});

describe('an email retried by its job is the same email', () => {
  it('keeps its id, hence its Message-ID, across failed attempts, and is delivered once', async () => {
    await drainJobs();
    await clearOutbox();
    const list = await slots('alice', 'UTC', 30, dayFromNow(31));
    await book(list[0]!.start);
    const emailIds = async () =>
      runInDurableObject(calendarStub(), async (_instance, state) =>
        state.storage.sql.exec<{ id: string }>("SELECT json_extract(payload, '$.email.id') AS id FROM jobs WHERE kind = 'email' ORDER BY key").toArray().map((r) => r.id),
      );
    await env.DB.prepare('ALTER TABLE outbox RENAME TO outbox_unavailable').run();
    let before: string[];
    try {
      await drainJobs();
      before = await emailIds();
      expect(before).toHaveLength(2);
      // A second failed attempt: the alarm runs the jobs again once they are due.
      await runInDurableObject(calendarStub(), async (_instance, state) => void state.storage.sql.exec("UPDATE jobs SET due_at = 0 WHERE kind = 'email'"));
      await runDurableObjectAlarm(calendarStub());
      expect(await emailIds()).toEqual(before);
    } finally {
      await env.DB.prepare('ALTER TABLE outbox_unavailable RENAME TO outbox').run();
    }
    await runInDurableObject(calendarStub(), async (_instance, state) => void state.storage.sql.exec("UPDATE jobs SET due_at = 0 WHERE kind = 'email'"));
    await drainJobs();
    const { results } = await env.DB.prepare('SELECT id, raw FROM outbox ORDER BY id').all<{ id: string; raw: string }>();
    expect(results.map((r) => r.id)).toEqual([...before].sort());
    for (const row of results) expect((await PostalMime.parse(row.raw)).messageId).toBe(`<${row.id}@doorbell.example>`);
  });
});
