import { describe, expect, it } from 'vitest';
import { sniff } from '../../src/attachments/sniff';
import { exe, gif, html, jpeg, pdf, png, svg, text, webp, zip } from '../attachment-files';

const whole = (bytes: Uint8Array, name: string, contentType: string | null = null) => sniff(bytes, name, contentType, true);

describe('sniff: a file’s type from its bytes', () => {
  it('recognises each accepted image and reads its size', () => {
    expect(whole(png(640, 480), 'a.png')).toEqual({ ok: true, type: 'image/png', inline: true, width: 640, height: 480 });
    expect(whole(jpeg(800, 600), 'a.JPG')).toEqual({ ok: true, type: 'image/jpeg', inline: true, width: 800, height: 600 });
    expect(whole(gif(32, 16), 'a.gif')).toEqual({ ok: true, type: 'image/gif', inline: true, width: 32, height: 16 });
    expect(whole(webp(300, 200), 'a.webp')).toEqual({ ok: true, type: 'image/webp', inline: true, width: 300, height: 200 });
  });

  it('a JPEG whose frame header is beyond the prefix is still a JPEG, without a size', () => {
    const cut = jpeg().slice(0, 12);
    expect(sniff(cut, 'big.jpeg', 'image/jpeg', false)).toEqual({ ok: true, type: 'image/jpeg', inline: true });
  });

  it('documents download; their type follows the name within the family', () => {
    expect(whole(pdf(), 'invoice.pdf')).toEqual({ ok: true, type: 'application/pdf', inline: false });
    expect(whole(zip(), 'report.docx')).toMatchObject({ ok: true, type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', inline: false });
    expect(whole(zip(), 'archive', 'application/x-zip-compressed')).toMatchObject({ ok: true, type: 'application/zip' });
    expect(whole(text(), 'notes.csv', 'text/csv')).toMatchObject({ ok: true, type: 'text/csv', inline: false });
    expect(whole(text(), 'README')).toMatchObject({ ok: true, type: 'text/plain' });
  });

  it('refuses markup, executables and binary junk as types not allowed', () => {
    for (const [bytes, name] of [[svg(), 'logo.svg'], [html(), 'page.html'], [svg(), 'logo.txt'], [exe(), 'setup.exe'], [new Uint8Array([0, 1, 2, 3]), 'x.bin'], [new Uint8Array(), 'empty.txt']] as const) {
      expect(whole(bytes, name), name).toMatchObject({ ok: false, reason: 'not_allowed' });
    }
  });

  it('refuses a file whose name or claimed type says it is something else', () => {
    expect(whole(text(), 'photo.png')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(text(), 'photo', 'image/png')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(zip(), 'game.jar')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(png(), 'photo.jpg')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(pdf(), 'invoice.pdf', 'image/png')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(text(), 'notes.txt', 'text/html')).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(whole(png(), 'a.png', 'image/svg+xml')).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('text cut inside a character at the end of the prefix is still text; invalid UTF-8 is not', () => {
    const euro = text('price: 5 €');
    expect(sniff(euro.slice(0, euro.length - 1), 'p.txt', null, false)).toMatchObject({ ok: true, type: 'text/plain' });
    expect(whole(euro.slice(0, euro.length - 1), 'p.txt')).toMatchObject({ ok: false, reason: 'not_allowed' });
  });
});
