import type { Address, Attachment, OutgoingEmail } from './message';
import { assertSendable } from './message';

/**
 * Builds the raw RFC 5322 / MIME message of an email: what the send_email binding takes and
 * what the development outbox keeps.
 */

const CRLF = '\r\n';
const utf8 = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export const base64Utf8 = (text: string): string => base64(utf8.encode(text));

function wrapBase64(text: string): string {
  return (base64Utf8(text).match(/.{1,76}/g) ?? []).join(CRLF);
}

const isPrintableAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

/**
 * RFC 2047 encoded-words of at most 64 characters (39 bytes of UTF-8 become 52 base64
 * characters, plus the 12 of `=?UTF-8?B?…?=`), so that even the first one fits on a
 * 78-character line after its header name. Characters are never split across words, as a
 * decoder must be able to read each word on its own.
 */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  let size = 0;
  for (const char of text) {
    const length = utf8.encode(char).length;
    if (size + length > 39) {
      words.push(chunk);
      chunk = '';
      size = 0;
    }
    chunk += char;
    size += length;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${base64Utf8(word)}?=`).join(' ');
}

const headerText = (text: string): string => (isPrintableAscii(text) ? text : encodedWords(text));

/** Folds at spaces so that lines stay under 78 characters where the value allows it. */
function header(name: string, value: string): string {
  let line = `${name}:`;
  let out = '';
  for (const word of value.split(' ')) {
    if (word && line.length + 1 + word.length > 76 && line.length > name.length + 1) {
      out += line + CRLF;
      line = '';
    }
    line += ` ${word}`;
  }
  return out + line + CRLF;
}

function mimeAddress(address: Address): string {
  if (!address.name) return address.email;
  const name = isPrintableAscii(address.name)
    ? `"${address.name.replace(/(["\\])/g, '\\$1')}"`
    : encodedWords(address.name);
  return `${name} <${address.email}>`;
}

/** `Tue, 01 Jul 2025 09:05:00 +0000`: RFC 5322 wants a numeric zone, not the obsolete GMT. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * Quoted-printable keeps ASCII text readable in the raw message; any '=' is itself encoded,
 * which is what lets a boundary starting with "=_" never occur in a body (see boundary()).
 */
function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const bytes = utf8.encode(line);
      let out = '';
      let current = '';
      bytes.forEach((byte, i) => {
        const whitespace = byte === 0x20 || byte === 0x09;
        // Trailing whitespace is encoded because transports may strip it; a leading dot
        // because some SMTP relays treat a line of "." as the end of the message.
        const literal =
          ((byte > 0x20 && byte < 0x7f && byte !== 0x3d) || (whitespace && i < bytes.length - 1)) &&
          !(byte === 0x2e && current === '');
        const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
        if (current.length + token.length > 75) {
          out += `${current}=${CRLF}`;
          current = '';
        }
        current += token;
      });
      return out + current;
    })
    .join(CRLF);
}

/** Base64 never contains "_" and quoted-printable never an unencoded "=", so no body can hold this. */
const boundary = (kind: string): string => {
  const random = [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `=_${kind}_${random}`;
};

function multipart(subtype: string, kind: string, parts: string[]): string {
  const marker = boundary(kind);
  return (
    `Content-Type: multipart/${subtype}; boundary="${marker}"${CRLF}${CRLF}` +
    parts.map((part) => `--${marker}${CRLF}${part}${CRLF}`).join('') +
    `--${marker}--`
  );
}

const textPart = (type: string, content: string): string =>
  `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(content)}`;

/** RFC 2231 for names that are not plain ASCII; a quoted string otherwise. */
function filenameParameter(parameter: string, filename: string): string {
  if (isPrintableAscii(filename) && !/["\\]/.test(filename)) return `${parameter}="${filename}"`;
  return `${parameter}*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function attachmentPart(attachment: Attachment): string {
  return (
    `Content-Type: ${attachment.contentType}; ${filenameParameter('name', attachment.filename)}${CRLF}` +
    `Content-Disposition: attachment; ${filenameParameter('filename', attachment.filename)}${CRLF}` +
    `Content-Transfer-Encoding: base64${CRLF}${CRLF}${wrapBase64(attachment.content)}`
  );
}

const isCalendar = (attachment: Attachment): boolean => /^text\/calendar\b/i.test(attachment.contentType);

export interface MimeOptions {
  /** `local@domain`, without angle brackets. */
  messageId: string;
  date: Date;
}

export function buildMime(email: OutgoingEmail, { messageId, date }: MimeOptions): string {
  assertSendable(email);
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(messageId)) throw new Error(`"${messageId}" is not a Message-ID such as id@domain.`);

  const attachments = email.attachments ?? [];
  // Outlook and Gmail show an invitation's accept and decline buttons for a text/calendar
  // alternative; the .ics attachment is for every other client and for saving the invite.
  const calendarAlternatives = attachments.filter(isCalendar).map((a) =>
    `Content-Type: ${a.contentType}${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${wrapBase64(a.content)}`,
  );
  const alternative = multipart('alternative', 'alt', [
    textPart('text/plain', email.text),
    textPart('text/html', email.html),
    ...calendarAlternatives,
  ]);
  // The file of an invite is application/ics: a second text/calendar part would be a second
  // scheduling message to clients that read every part.
  const files = attachments.map((a) => attachmentPart(isCalendar(a) ? { ...a, contentType: 'application/ics' } : a));
  const body = attachments.length > 0 ? multipart('mixed', 'mixed', [alternative, ...files]) : alternative;

  const headers = [
    header('From', mimeAddress(email.from)),
    header('To', email.to.map(mimeAddress).join(', ')),
    email.replyTo ? header('Reply-To', mimeAddress(email.replyTo)) : '',
    header('Subject', headerText(email.subject)),
    header('Date', rfc5322Date(date)),
    header('Message-ID', `<${messageId}>`),
    header('MIME-Version', '1.0'),
    ...Object.entries(email.headers ?? {}).map(([name, value]) => header(name, headerText(value))),
  ];
  return headers.join('') + body + CRLF;
}
