import { describe, expect, it, vi } from 'vitest';
import { brandOf, DEFAULT_BRAND, emailHtml, emailText, initials, type EmailContent } from '../../src/email/layout';

const content = (over: Partial<EmailContent> = {}): EmailContent => ({
  brand: { name: 'Acme & Co', color: '#0f766e' },
  preview: 'Tue, 1 Dec 2026, 10:00–10:30',
  person: { name: 'Alice Martin' },
  heading: 'Meeting booked with Alice Martin',
  paragraphs: ['Waiting for the agent to accept the invitation.'],
  card: {
    title: 'Alice Martin and Ann Lee',
    times: [
      { label: 'Your time', value: 'Tue, 1 Dec 2026, 04:00–04:30 (America/New_York)' },
      { label: 'Alice Martin’s time', value: 'Tue, 1 Dec 2026, 10:00–10:30 (Europe/Paris)' },
    ],
    minutes: 30,
  },
  buttons: [
    { label: 'Reschedule', url: 'https://doorbell.example/meeting#eyJ.token' },
    { label: 'Cancel', url: 'https://doorbell.example/meeting#eyJ.token' },
  ],
  ...over,
});

describe('email layout', () => {
  it('escapes every interpolated text: a guest name with a script and quotes stays text', () => {
    const hostile = `Ann "<script>alert('x')</script>" O'Neil`;
    const html = emailHtml(content({ person: { name: hostile }, heading: `Meeting booked with ${hostile}`, paragraphs: [`Guest: ${hostile} <ann@example.com>`] }));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Ann &quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; O&#39;Neil');
    expect(html).toContain('&lt;ann@example.com&gt;');
  });

  it('uses inline styles and tables only: no style sheet, link, script or remote image', () => {
    const html = emailHtml(content());
    expect(html).not.toMatch(/<(style|link|script|iframe|object)\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).toMatch(/<table role="presentation"[^>]*style="max-width:600px/);
    expect(html).not.toMatch(/url\(|@import|fonts\.googleapis/);
  });

  it('draws worded buttons that link, with the organisation’s name and colour', () => {
    const html = emailHtml(content());
    expect(html).toMatch(/<a href="https:\/\/doorbell\.example\/meeting#eyJ\.token" style="[^"]*background:#0f766e[^"]*">Reschedule<\/a>/);
    expect(html).toMatch(/>Cancel<\/a>/);
    expect(html).toContain('Acme &amp; Co');
    // The link is the button's target, never its words.
    expect(html).not.toContain('>https://doorbell.example/meeting#eyJ.token<');
  });

  it('shows the meeting card: both zones, the duration, the location and a Join button for a video link', () => {
    const video = content({ card: { ...content().card!, location: { kind: 'link', text: 'Video call', url: 'https://meet.example/abc' } } });
    const html = emailHtml(video);
    expect(html).toContain('04:00–04:30 (America/New_York)');
    expect(html).toContain('10:00–10:30 (Europe/Paris)');
    expect(html).toContain('30 minutes');
    expect(html).toContain('Video call');
    expect(html).toMatch(/<a href="https:\/\/meet\.example\/abc"[^>]*>Join<\/a>/);
    const text = emailText(video);
    expect(text).toContain('Where: Video call');
    expect(text).toContain('Join: https://meet.example/abc');
  });

  it('writes a plain-text part that reads on its own: labelled links, no markup', () => {
    const text = emailText(content({ unsubscribe: 'https://doorbell.example/api/unsubscribe/tok' }));
    expect(text).not.toMatch(/<\/?[a-z][^>]*>|&amp;|&lt;|&#/i);
    expect(text).toContain('Meeting booked with Alice Martin');
    expect(text).toContain('Your time: Tue, 1 Dec 2026, 04:00–04:30 (America/New_York)');
    expect(text).toContain('Duration: 30 minutes');
    expect(text).toContain('Reschedule: https://doorbell.example/meeting#eyJ.token');
    expect(text).toContain('Cancel: https://doorbell.example/meeting#eyJ.token');
    expect(text).toContain('Unsubscribe: https://doorbell.example/api/unsubscribe/tok');
    expect(text).toContain('Sent by Acme & Co.');
  });

  it('quotes messages with their authors, times and line breaks', () => {
    const messages = [{ author: { name: 'Alice Martin' }, at: '1 Dec, 10:02 UTC', text: 'Line one\n<b>Line two</b>', files: [{ label: '📎 plan.pdf (2 KB)', url: 'https://doorbell.example/api/files/t' }] }];
    const html = emailHtml(content({ card: undefined, messages }));
    expect(html).toContain('Line one<br>&lt;b&gt;Line two&lt;/b&gt;');
    expect(html).toContain('1 Dec, 10:02 UTC');
    expect(html).toMatch(/<a href="https:\/\/doorbell\.example\/api\/files\/t"[^>]*>📎 plan\.pdf \(2 KB\)<\/a>/);
    expect(emailText(content({ card: undefined, messages }))).toContain('Alice Martin, 1 Dec, 10:02 UTC:\nLine one\n<b>Line two</b>\n📎 plan.pdf (2 KB): https://doorbell.example/api/files/t');
  });

  it('shows an avatar only from an https URL, otherwise initials in a coloured circle', () => {
    expect(emailHtml(content({ person: { name: 'Alice Martin', avatarUrl: 'https://cdn.example/a.png' } }))).toContain('<img src="https://cdn.example/a.png"');
    for (const avatarUrl of ['http://cdn.example/a.png', '/a.png', 'javascript:alert(1)', null]) {
      const html = emailHtml(content({ person: { name: 'Alice Martin', avatarUrl } }));
      expect(html).not.toContain('<img');
      expect(html).toMatch(/background:#0f766e[^>]*>AM<\/td>/);
    }
    expect(initials('ann')).toBe('A');
    expect(initials('  "Zoë"  Lefèvre ')).toBe('ZL');
    expect(initials('Anna Maria Lee')).toBe('AL');
    expect(initials('Rae "<b>" O’Brien')).toBe('RO');
    expect(initials('—')).toBe('?');
  });

  it('refuses a link that is not http(s) or mailto rather than make it clickable', () => {
    expect(() => emailHtml(content({ buttons: [{ label: 'Join', url: 'javascript:alert(1)' }] }))).toThrow(/http\(s\) or mailto/);
  });

  it('reads ORG_NAME and ORG_COLOR, with defaults, and ignores a colour that is not #rrggbb', () => {
    expect(brandOf({})).toEqual(DEFAULT_BRAND);
    expect(brandOf({ ORG_NAME: ' Acme ', ORG_COLOR: '#0F766E' })).toEqual({ name: 'Acme', color: '#0F766E' });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(brandOf({ ORG_COLOR: 'red;background:url(x)' }).color).toBe(DEFAULT_BRAND.color);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('ORG_COLOR'));
    log.mockRestore();
  });
});
