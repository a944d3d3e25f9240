import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../src/email/message';
import { EmailSendError } from '../../src/email/message';
import { buildMime } from '../../src/email/mime';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Doorbell//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:mt_123@doorbell.example',
  'DTSTART:20260302T090000Z',
  'DTEND:20260302T093000Z',
  'SUMMARY:Réunion avec Alice Martin',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const invite: OutgoingEmail = {
  id: 'em_abc',
  from: { name: 'Doorbell', email: 'doorbell@doorbell.example' },
  to: [{ name: 'Zoë Lefèvre', email: 'zoe@example.com' }, { email: 'ann@example.com' }, { name: 'Lee, Ann "AL"', email: 'al@example.com' }],
  replyTo: { name: 'Alice Martin', email: 'alice@doorbell.example' },
  subject: 'Réunion confirmée : lundi 2 mars à 10:00 avec Alice Martin, Doorbell — à bientôt ✅',
  text: 'Bonjour Zoë,\n\nVotre réunion est confirmée.   \n.\nLigne =égale= et une très longue ligne '.concat('x'.repeat(200), '\nFin'),
  html: '<p>Bonjour Zoë,</p><p>Votre réunion est <b>confirmée</b>.</p>',
  attachments: [{ filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST; charset=utf-8', content: ICS }],
  headers: { 'X-Doorbell-Meeting': 'mt_123' },
};

// postal-mime hands text parts back with LF line endings; iCalendar's own are CRLF, which
// the attachment test checks on the raw message itself.
const lf = (content: ArrayBuffer | Uint8Array | string): string =>
  (typeof content === 'string' ? content : new TextDecoder().decode(content)).replace(/\r\n/g, '\n');

const options = { messageId: 'em_abc@doorbell.example', date: new Date('2026-03-01T08:00:00Z') };

describe('buildMime', () => {
  it('builds a message that a MIME parser reads back whole', async () => {
    const raw = buildMime(invite, options);
    const parsed = await PostalMime.parse(raw);

    expect(parsed.subject).toBe(invite.subject);
    expect(parsed.from).toEqual({ name: 'Doorbell', address: 'doorbell@doorbell.example' });
    expect(parsed.to).toEqual([
      { name: 'Zoë Lefèvre', address: 'zoe@example.com' },
      { name: '', address: 'ann@example.com' },
      { name: 'Lee, Ann "AL"', address: 'al@example.com' },
    ]);
    expect(parsed.replyTo).toEqual([{ name: 'Alice Martin', address: 'alice@doorbell.example' }]);
    expect(parsed.messageId).toBe('<em_abc@doorbell.example>');
    expect(new Date(parsed.date!).toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(parsed.headers.find((h) => h.key === 'x-doorbell-meeting')?.value).toBe('mt_123');
    expect(parsed.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(invite.text);
    expect(parsed.html?.trimEnd()).toBe(invite.html);

    const file = parsed.attachments.find((a) => a.filename === 'invite.ics');
    expect(file).toMatchObject({ mimeType: 'application/ics', disposition: 'attachment' });
    expect(lf(file!.content)).toBe(lf(ICS));
    const part = raw.slice(raw.indexOf('Content-Disposition: attachment'));
    const encoded = part.slice(part.indexOf('\r\n\r\n') + 4, part.indexOf('\r\n--'));
    expect(encoded.split('\r\n').every((line) => line.length <= 76)).toBe(true);
    expect(new TextDecoder().decode(Uint8Array.from(atob(encoded.replace(/\r\n/g, '')), (c) => c.charCodeAt(0)))).toBe(ICS);
  });

  it('also offers the invitation as a text/calendar alternative, which mail clients turn into buttons', async () => {
    const raw = buildMime(invite, options);
    const alternative = raw.slice(raw.indexOf('multipart/alternative'), raw.indexOf('Content-Disposition: attachment'));
    expect(alternative).toContain('Content-Type: text/calendar; method=REQUEST; charset=utf-8');

    const parsed = await PostalMime.parse(raw);
    const inline = parsed.attachments.find((a) => a.filename !== 'invite.ics');
    expect(inline).toMatchObject({ mimeType: 'text/calendar', method: 'REQUEST', disposition: null });
    expect(lf(inline!.content)).toBe(lf(ICS));
  });

  it('writes CRLF lines within the limits, with the non-ASCII subject encoded', () => {
    const raw = buildMime(invite, options);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = raw.split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
    expect(lines.some((l) => l.startsWith('Subject: =?UTF-8?B?'))).toBe(true);
    expect(raw).toMatch(/^[\x00-\x7f]*$/);
    expect(raw).toContain('MIME-Version: 1.0');
    expect(raw).toContain('Date: Sun, 01 Mar 2026 08:00:00 +0000');
  });

  it('keeps a message without attachments a plain multipart/alternative', async () => {
    const raw = buildMime({ ...invite, attachments: [], subject: 'Hello' }, options);
    expect(raw).not.toContain('multipart/mixed');
    expect(raw).toContain('Subject: Hello\r\n');
    const parsed = await PostalMime.parse(raw);
    expect(parsed.attachments).toEqual([]);
    expect(parsed.html?.trimEnd()).toBe(invite.html);
  });

  it.each([
    ['a subject', { subject: 'Hi\r\nBcc: victim@example.com' }],
    ['a bare LF in a subject', { subject: 'Hi\nBcc: victim@example.com' }],
    ['a display name', { from: { name: 'Eve\r\nBcc: victim@example.com', email: 'eve@example.com' } }],
    ['an address', { to: [{ email: 'a@example.com>\r\nBcc: victim@example.com' }] }],
    ['a header value', { headers: { 'X-Tag': 'x\r\nBcc: victim@example.com' } }],
    ['a header name', { headers: { 'X-Tag: y\r\nBcc': 'victim@example.com' } }],
    ['a reserved header', { headers: { Bcc: 'victim@example.com' } }],
    ['an attachment filename', { attachments: [{ filename: 'a\r\n.ics', contentType: 'text/plain', content: '' }] }],
    ['an attachment type', { attachments: [{ filename: 'a.ics', contentType: 'text/plain\r\nBcc: v@example.com', content: '' }] }],
  ])('refuses header injection through %s', (_what, change) => {
    const attempt = () => buildMime({ ...invite, ...change } as OutgoingEmail, options);
    expect(attempt).toThrow(EmailSendError);
    try {
      attempt();
    } catch (err) {
      expect((err as EmailSendError).retryable).toBe(false);
    }
  });

  it('refuses an email without recipients', () => {
    expect(() => buildMime({ ...invite, to: [] }, options)).toThrow(/no recipient/);
  });
});
