import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import eml from '../fixtures/itip-reply.eml?raw';
import { asAgent, call } from '../helpers';
import { ALICE_ID, book, clearOutbox, dayFromNow, drainJobs, outbox, slots } from '../meetings';

const icsTime = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

function replyEmail(meeting: any, partstat: 'ACCEPTED' | 'DECLINED', from = 'alice@doorbell.example') {
  const raw = eml
    .replaceAll('{{UID}}', `${ALICE_ID}.${meeting.id}@doorbell`)
    .replaceAll('{{SEQUENCE}}', String(meeting.sequence))
    .replaceAll('{{DTSTART}}', icsTime(meeting.start))
    .replaceAll('{{DTEND}}', icsTime(meeting.end))
    .replaceAll('{{PARTSTAT}}', partstat)
    .replaceAll('{{VERB}}', partstat === 'ACCEPTED' ? 'accepted' : 'declined')
    .replaceAll('{{SUBJECT}}', partstat === 'ACCEPTED' ? 'Accepted:_Alice_Martin_and_Gina_Guest' : 'Declined:_Alice_Martin_and_Gina_Guest')
    .replace('From: Alice Martin <alice@doorbell.example>', `From: Someone <${from}>`);
  return { from, to: 'meetings@doorbell.example', raw, setReject: vi.fn() };
}

const receive = (message: ReturnType<typeof replyEmail>) =>
  worker.email(message as unknown as ForwardableEmailMessage, env);

describe('calendar replies by email (M3)', () => {
  beforeEach(async () => {
    await clearOutbox();
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('alice'), body: { confirmation: 'invite' } });
  });
  afterEach(async () => {
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('alice'), body: { confirmation: 'auto' } });
  });

  it('an ACCEPTED reply from Alice’s calendar confirms the meeting and makes it hold its slot', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(21));
    const { body } = await book(list[0]!.start);
    expect(body.meeting.status).toBe('pending');
    const message = replyEmail(body.meeting, 'ACCEPTED');
    await receive(message);
    expect(message.setReject).not.toHaveBeenCalled();
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.find((m: any) => m.id === body.meeting.id).status).toBe('confirmed');
    expect((await slots('alice', 'UTC', 30, dayFromNow(21))).map((s) => s.start)).not.toContain(list[0]!.start);
  });

  it('a DECLINED reply cancels the meeting and tells the guest', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(22));
    const { body } = await book(list[0]!.start);
    await drainJobs();
    await clearOutbox();
    const message = replyEmail(body.meeting, 'DECLINED');
    await receive(message);
    expect(message.setReject).not.toHaveBeenCalled();
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.find((m: any) => m.id === body.meeting.id).status).toBe('cancelled');
    await drainJobs();
    const toGuest = (await outbox()).find((m) => m.to === 'gina@example.com');
    expect(toGuest?.subject).toBe('Meeting with Alice Martin declined');
    // The tentative event in the guest's calendar is withdrawn, not left as a ghost.
    expect(toGuest?.calendar).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', uid: `${ALICE_ID}.${body.meeting.id}@doorbell` });
    expect(toGuest!.calendar!.sequence).toBeGreaterThan(body.meeting.sequence);
  });

  it('refuses a forged reply from someone else, and mail that is no calendar reply, changing nothing', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(23));
    const { body } = await book(list[0]!.start);
    const forged = replyEmail(body.meeting, 'ACCEPTED', 'mallory@evil.example');
    await receive(forged);
    expect(forged.setReject).toHaveBeenCalledWith("This calendar reply does not come from the meeting's agent or guest.");
    const plain = { from: 'someone@example.com', to: 'meetings@doorbell.example', raw: 'From: someone@example.com\r\nSubject: hi\r\n\r\nhello', setReject: vi.fn() };
    await receive(plain);
    expect(plain.setReject).toHaveBeenCalled();
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.find((m: any) => m.id === body.meeting.id).status).toBe('pending');
  });
});

/** Multipart parts nested `depth` deep, around a calendar reply that would otherwise be valid. */
function nested(depth: number, inner: string): string {
  let body = inner;
  for (let i = depth; i > 0; i--) body = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${body}\r\n--n${i}--`;
  return `From: alice@doorbell.example\r\nTo: meetings@doorbell.example\r\nSubject: Accepted\r\nMIME-Version: 1.0\r\n${body}\r\n`;
}

describe('malformed calendar replies (M3)', () => {
  const hostile = (raw: string | ReadableStream<Uint8Array>, rawSize?: number) => ({
    from: 'alice@doorbell.example',
    to: 'meetings@doorbell.example',
    raw,
    ...(rawSize === undefined ? {} : { rawSize }),
    setReject: vi.fn(),
  });
  const receiveHostile = (message: ReturnType<typeof hostile>) => worker.email(message as unknown as ForwardableEmailMessage, env);

  it('refuses a message nested 400 levels deep with a reason, without throwing', async () => {
    const message = hostile(nested(400, 'Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR'));
    await expect(receiveHostile(message)).resolves.toBeUndefined();
    expect(message.setReject).toHaveBeenCalledWith('Doorbell could not read this email.');
  });

  it('refuses an over-size message by its announced size and by what it actually carries', async () => {
    const announced = hostile('From: alice@doorbell.example\r\n\r\nhi', 21 * 1024 * 1024);
    await receiveHostile(announced);
    expect(announced.setReject).toHaveBeenCalledWith(expect.stringContaining('limited to 20.0 MB'));
    // A stream longer than the limit, whatever size it claims, is not read to its end.
    const chunk = new Uint8Array(1024 * 1024).fill(0x41);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        controller.enqueue(chunk);
      },
    });
    const streamed = hostile(endless, 1000);
    await receiveHostile(streamed);
    expect(streamed.setReject).toHaveBeenCalledWith(expect.stringContaining('larger than 20.0 MB'));
    expect(sent).toBeLessThan(25);
  });

  it('refuses garbage bytes with a reason, without throwing', async () => {
    const garbage = new Uint8Array(64 * 1024);
    crypto.getRandomValues(garbage);
    const message = hostile(new Blob([garbage]).stream(), garbage.byteLength);
    await expect(receiveHostile(message)).resolves.toBeUndefined();
    expect(message.setReject).toHaveBeenCalledWith(expect.any(String));
    expect(message.setReject.mock.calls[0]![0]).not.toBe('');
  });
});

describe('external busy feed (M1)', () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('carol'), body: { busyFeedUrl: '' } });
  });

  it('busy events from the agent’s ICS URL block slots; free and declined ones do not', async () => {
    // A week, so that the first working day is in it whatever weekday the date 24 days ahead falls on.
    const list = await slots('carol', 'UTC', 30, dayFromNow(24), 7);
    // Slots step by 15 minutes; these three are an hour apart, so only their own event can block each.
    const [a, b, c] = [list[0]!, list[4]!, list[8]!];
    const feed = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN',
      'BEGIN:VEVENT', 'UID:busy-1', `DTSTART:${icsTime(a.start)}`, `DTEND:${icsTime(a.end)}`, 'SUMMARY:Busy', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:free-1', `DTSTART:${icsTime(b.start)}`, `DTEND:${icsTime(b.end)}`, 'TRANSP:TRANSPARENT', 'SUMMARY:Free', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:declined-1', `DTSTART:${icsTime(c.start)}`, `DTEND:${icsTime(c.end)}`, 'ATTENDEE;PARTSTAT=DECLINED:mailto:carol@doorbell.example', 'SUMMARY:Declined', 'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === 'https://calendar.example.com/carol.ics') return new Response(feed, { headers: { 'content-type': 'text/calendar' } });
      throw new Error(`unexpected fetch ${url}`);
    });
    await call('PATCH', '/api/calendar/settings', { headers: await asAgent('carol'), body: { busyFeedUrl: 'https://calendar.example.com/carol.ics' } });
    // The calendar's own job fetches the feed on its alarm: slots follow once it has a copy.
    for (let tries = 0; ; tries++) {
      const feed = (await call('GET', '/api/calendar', { headers: await asAgent('carol') })).body.busyFeed;
      if (feed?.lastSuccessAt) break;
      if (tries > 100) throw new Error(`the feed was never fetched: ${JSON.stringify(feed)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = (await slots('carol', 'UTC', 30, dayFromNow(24), 7)).map((s) => s.start);
    expect(fetchSpy).toHaveBeenCalled();
    expect(after).not.toContain(a.start);
    expect(after).toContain(b.start);
    expect(after).toContain(c.start);
    const refused = await book(a.start, {}, 'carol');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('slot_taken');
  });
});
