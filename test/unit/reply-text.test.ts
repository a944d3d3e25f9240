import { describe, expect, it } from 'vitest';
import { HTML_READ_LIMIT, htmlToText, replyText } from '../../src/continuity/reply-text';

const lines = (...l: string[]) => l.join('\r\n');

describe('replyText: the new text of an email reply', () => {
  it('Gmail: cuts at "On … wrote:" even when Gmail wrapped it over two lines', () => {
    expect(
      replyText(
        lines(
          'Yes, the Team plan please.',
          'Can we start on Monday?',
          '',
          'On Tue, Nov 24, 2026 at 3:19 PM Sales via Doorbell <',
          'reply+3f00000000000000000000000000009a.1.abcdefghijklmnop@reply.doorbell.example> wrote:',
          '',
          '> Alice Martin wrote:',
          '> Hello Ann! Which plan?',
        ),
      ),
    ).toBe('Yes, the Team plan please.\nCan we start on Monday?');
  });

  it('Outlook: cuts at the "From: … Sent: … To: … Subject:" block, with or without the underscore line', () => {
    const outlook = lines(
      'Thanks, that works for me.',
      '',
      '________________________________',
      'From: Sales via Doorbell <reply+abc@reply.doorbell.example>',
      'Sent: Tuesday, November 24, 2026 3:19 PM',
      'To: Ann Lee <ann@example.com>',
      'Subject: 2 new messages — Sales',
      '',
      'Alice Martin wrote: Hello Ann!',
    );
    expect(replyText(outlook)).toBe('Thanks, that works for me.');
    expect(replyText(outlook.replace('________________________________\r\n', ''))).toBe('Thanks, that works for me.');
    expect(replyText(lines('Merci !', '', 'De : Sales <x@y.example>', 'Envoyé : mardi 24 novembre 2026 15:19', 'À : Ann <a@b.example>', 'Objet : Re'))).toBe('Merci !');
    expect(replyText(lines('Danke', '', '*Von:* Sales <x@y.example>', '*Gesendet:* Dienstag, 24. November 2026', '*An:* Ann', '*Betreff:* AW'))).toBe('Danke');
    expect(replyText(lines('See below', '-----Original Message-----', 'From: a@b.example', 'old text'))).toBe('See below');
  });

  it('Apple Mail and other languages: the attribution line in French, German, Spanish, Dutch, Chinese, Japanese', () => {
    const quoted = '> Hello Ann!';
    for (const attribution of [
      'On 24 Nov 2026, at 15:19, Sales via Doorbell <reply+x@reply.doorbell.example> wrote:',
      'Le mar. 24 nov. 2026 à 15:19, Sales <reply+x@reply.doorbell.example> a écrit :',
      'Am Di., 24. Nov. 2026 um 15:19 Uhr schrieb Sales <reply+x@reply.doorbell.example>:',
      'El mar, 24 nov 2026 a las 15:19, Sales (<reply+x@reply.doorbell.example>) escribió:',
      'Op di 24 nov 2026 om 15:19 schreef Sales <reply+x@reply.doorbell.example>:',
      '在 2026年11月24日 15:19，Sales <reply+x@reply.doorbell.example> 写道：',
      '2026年11月24日(火) 15:19 Sales <reply+x@reply.doorbell.example>:が書きました:',
    ]) {
      expect(replyText(lines('My answer', '', attribution, quoted)), attribution).toBe('My answer');
    }
  });

  it('drops the signature after "-- " and the phone signatures', () => {
    expect(replyText(lines('Sounds good.', '', '-- ', 'Ann Lee', 'CTO, Example Inc.'))).toBe('Sounds good.');
    expect(replyText(lines('Sounds good.', '--', 'Ann'))).toBe('Sounds good.');
    expect(replyText(lines('Sounds good.', '', 'Sent from my iPhone'))).toBe('Sounds good.');
    expect(replyText(lines('Ça marche.', '', 'Envoyé de mon iPhone'))).toBe('Ça marche.');
  });

  it('keeps answers written between quoted lines, without the quotes', () => {
    expect(replyText(lines('> Which plan?', 'Team.', '> How many seats?', '12 seats.'))).toBe('Team.\n12 seats.');
  });

  it('cuts at the marker line of our own emails, quoted or not', () => {
    expect(replyText(lines('Ok!', '', '> ——— Reply above this line to answer in the conversation ———', '> Alice: hi'))).toBe('Ok!');
  });

  it('keeps ordinary text that merely mentions writing, and multiple paragraphs', () => {
    const text = 'On Monday I wrote a long brief.\n\nIt said: ship it.\nFrom: the team';
    expect(replyText(text)).toBe(text);
  });

  it('is empty when the reply is only quoted history or only a signature', () => {
    expect(replyText(lines('', 'On Tue, Nov 24, 2026 at 3:19 PM Sales wrote:', '> Hello'))).toBe('');
    expect(replyText(lines('> Hello', '> there'))).toBe('');
    expect(replyText(lines('-- ', 'Ann'))).toBe('');
  });
});

describe('htmlToText', () => {
  it('turns blocks into lines and blockquotes into "> " lines, so replyText can strip Gmail HTML', async () => {
    const html =
      '<div dir="ltr">Yes &amp; thanks!<br>See you</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Nov 24, 2026 at 3:19 PM Sales &lt;reply+x@reply.doorbell.example&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0"><p>Hello Ann!</p><blockquote>older</blockquote></blockquote></div>';
    const text = await htmlToText(html);
    expect(text).toContain('> Hello Ann!');
    expect(text).toContain('> > older');
    expect(replyText(text)).toBe('Yes & thanks!\nSee you');
  });

  it('ignores styles and scripts and decodes numeric entities', async () => {
    expect(await htmlToText('<html><head><style>p{color:red}</style></head><body><p>caf&#233; &#x2615;</p><script>x()</script></body></html>')).toBe('café ☕');
  });

  // The old regular expressions were quadratic on these: a 600 KiB reply took 26 s of CPU.
  it('reads a 1 MiB hostile body (unclosed <style and <!--, deep nesting) and keeps the text before it', async () => {
    const MiB = 1024 * 1024;
    const unclosedStyle = `<p>Before the style</p>${'<style>p{}'.repeat(MiB / 10)}`;
    expect(await htmlToText(unclosedStyle)).toBe('Before the style');
    const unclosedComment = `<p>Before the comment</p>${'<!-- x'.repeat(MiB / 6)}`;
    expect(await htmlToText(unclosedComment)).toBe('Before the comment');
    const unfinishedTag = `<p>Before the tag</p><style${' a'.repeat(MiB / 2)}`;
    expect(await htmlToText(unfinishedTag)).toBe('Before the tag');
    const deep = `<p>Deep &amp; nested</p>${'<blockquote><div>'.repeat(MiB / 17)}x`;
    const text = await htmlToText(deep);
    expect(text.startsWith('Deep & nested\n')).toBe(true);
    expect(replyText(text)).toBe('Deep & nested');
    // Everything past the cap is not read at all.
    const long = await htmlToText(`<p>${'word '.repeat(MiB / 5)}</p>`);
    expect(long.length).toBeLessThanOrEqual(HTML_READ_LIMIT);
    expect(long.length).toBeGreaterThan(HTML_READ_LIMIT - 10);
  });
});
