/**
 * The one look of every email Doorbell sends: pure functions from what an email says to its
 * HTML and plain-text parts. The HTML is what common clients render (Gmail, Outlook, Apple
 * Mail): tables for layout, inline CSS only, no remote fonts, scripts, styles or images but an
 * avatar at an https URL. The text part says the same on its own, links labelled on their own
 * lines. Bottom of the email layer: imports nothing from the project.
 */

/** The organisation whose name and colour the emails carry (README "Configuration": ORG_NAME, ORG_COLOR). */
export interface Brand {
  name: string;
  /** `#rrggbb`: the header line, buttons and initials circles. */
  color: string;
}

export const DEFAULT_BRAND: Brand = { name: 'Doorbell', color: '#6d28d9' };

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** ORG_NAME and ORG_COLOR; an unset var is its default, a colour that is not `#rrggbb` is logged and the default used. */
export function brandOf(env: { ORG_NAME?: string | undefined; ORG_COLOR?: string | undefined }): Brand {
  const name = env.ORG_NAME?.trim() || DEFAULT_BRAND.name;
  const color = env.ORG_COLOR?.trim() ?? '';
  if (color && !HEX_COLOR.test(color)) console.error(`ORG_COLOR is "${color}" in wrangler.toml [vars]; set it to a colour such as #6d28d9. Using ${DEFAULT_BRAND.color}.`);
  return { name, color: HEX_COLOR.test(color) ? color : DEFAULT_BRAND.color };
}

export interface Person {
  name: string;
  /** Shown only when it is an absolute https URL; otherwise the initials in a circle of the brand's colour. */
  avatarUrl?: string | null | undefined;
}

export interface Button {
  /** Words, never a URL: "Reschedule", "Join". */
  label: string;
  url: string;
}

export interface MeetingLocation {
  /** What kind of place (`address`, `phone`, `link`, `jitsi`): a `link` or `jitsi` location's URL gets a "Join" button. */
  kind: string;
  text: string;
  url?: string | undefined;
}

export interface MeetingCard {
  title: string;
  /** The meeting's time in each zone that matters, labelled ("Your time", "Alice's time"); one line when the zones agree. */
  times: ReadonlyArray<{ label: string; value: string }>;
  minutes: number;
  location?: MeetingLocation | undefined;
}

export interface QuotedMessage {
  author: Person;
  /** When it was written, as the recipient reads it. */
  at: string;
  text: string;
  files: ReadonlyArray<{ label: string; url: string | null }>;
}

export interface EmailContent {
  brand: Brand;
  /** What a client shows beside the subject in the inbox list. */
  preview: string;
  /** A small line above everything (the reply marker of continuity emails). */
  topLine?: string | undefined;
  /** Who the email is from or about, with their avatar. */
  person?: Person | undefined;
  heading: string;
  paragraphs: readonly string[];
  card?: MeetingCard | undefined;
  messages?: readonly QuotedMessage[] | undefined;
  /** The first is the main action, drawn filled; the others outlined. */
  buttons: readonly Button[];
  /** Small print after the buttons. */
  footer?: readonly string[] | undefined;
  /** The unsubscribe link of continuity emails, in the footer. */
  unsubscribe?: string | undefined;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and attribute values alike. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** Only web and mail links become hrefs: a `javascript:` URL in an email must never be clickable. */
function href(url: string): string {
  if (!/^(https?:|mailto:)/i.test(url)) throw new Error(`An email link must be http(s) or mailto, not "${url.slice(0, 40)}".`);
  return escapeHtml(url);
}

const FONT = 'font-family:Arial,Helvetica,sans-serif';
const INK = '#18181b';
const MUTED = '#52525b';

/** The first and last names' first letters, as avatars show them ("Anna Maria Lee": AL). */
export function initials(name: string): string {
  const words = name
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+/u, ''))
    .filter((word) => word !== '');
  const picked = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  return picked.map((word) => [...word][0]!.toUpperCase()).join('') || '?';
}

const isHttpsUrl = (url: string | null | undefined): url is string => {
  if (!url) return false;
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
};

function avatar(person: Person, brand: Brand, size: number): string {
  if (isHttpsUrl(person.avatarUrl)) {
    return `<img src="${escapeHtml(person.avatarUrl)}" width="${size}" height="${size}" alt="" style="display:block;width:${size}px;height:${size}px;border-radius:50%;border:0">`;
  }
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td width="${size}" height="${size}" align="center" valign="middle" style="width:${size}px;height:${size}px;border-radius:50%;background:${brand.color};color:#ffffff;${FONT};font-size:${Math.round(size * 0.4)}px;font-weight:bold;line-height:${size}px">${escapeHtml(initials(person.name))}</td></tr></table>`;
}

/** Line breaks kept without `white-space:pre-wrap`, which some clients drop. */
const paragraphHtml = (text: string): string => escapeHtml(text).replace(/\r?\n/g, '<br>');

function personRow(person: Person, brand: Brand, note: string, size: number): string {
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px"><tr>
<td valign="middle" style="padding-right:12px">${avatar(person, brand, size)}</td>
<td valign="middle" style="${FONT};font-size:15px;color:${INK}"><strong>${escapeHtml(person.name)}</strong>${note ? `<br><span style="font-size:13px;color:${MUTED}">${escapeHtml(note)}</span>` : ''}</td>
</tr></table>`;
}

function buttonHtml(button: Button, brand: Brand, primary: boolean): string {
  const look = primary ? `background:${brand.color};color:#ffffff;border:2px solid ${brand.color}` : `background:#ffffff;color:${brand.color};border:2px solid ${brand.color}`;
  return `<a href="${href(button.url)}" style="display:inline-block;${look};border-radius:6px;padding:10px 18px;margin:0 8px 8px 0;${FONT};font-size:15px;font-weight:bold;text-decoration:none">${escapeHtml(button.label)}</a>`;
}

/** Inline blocks rather than table cells, so a row of buttons wraps on a phone instead of widening the email. */
const buttonsHtml = (buttons: readonly Button[], brand: Brand): string =>
  buttons.length === 0 ? '' : `<div style="margin:8px 0 4px">${buttons.map((b, i) => buttonHtml(b, brand, i === 0)).join('\n')}</div>`;

const joinButton = (location: MeetingLocation | undefined): Button | null =>
  location?.url && (location.kind === 'link' || location.kind === 'jitsi') ? { label: 'Join', url: location.url } : null;

function cardRows(card: MeetingCard): Array<{ label: string; value: string; url?: string | undefined }> {
  return [
    ...card.times,
    { label: 'Duration', value: `${card.minutes} minutes` },
    ...(card.location ? [{ label: 'Where', value: card.location.text, url: card.location.url }] : []),
  ];
}

function cardHtml(card: MeetingCard, brand: Brand): string {
  // Each label above its value: a zone name such as (America/Los_Angeles) cannot break, and
  // two columns would not fit a phone.
  const rows = cardRows(card)
    .map(
      (row) => `<tr><td style="padding:4px 0 6px;${FONT}"><div style="font-size:12px;color:${MUTED}">${escapeHtml(row.label)}</div>
<div style="font-size:15px;color:${INK}">${escapeHtml(row.value)}${row.url ? `<br><a href="${href(row.url)}" style="color:${brand.color};font-size:13px;word-break:break-all">${escapeHtml(row.url)}</a>` : ''}</div></td></tr>`,
    )
    .join('\n');
  const join = joinButton(card.location);
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0;border:1px solid #e4e4e7;border-left:4px solid ${brand.color};border-radius:6px;background:#fafafa"><tr><td style="padding:14px 16px">
<div style="${FONT};font-size:16px;font-weight:bold;color:${INK};margin:0 0 8px">${escapeHtml(card.title)}</div>
<table role="presentation" cellpadding="0" cellspacing="0" border="0">${rows}</table>
${join ? buttonsHtml([join], brand) : ''}
</td></tr></table>`;
}

function messageHtml(message: QuotedMessage, brand: Brand): string {
  const files = message.files
    .map((f) => `<div style="${FONT};font-size:14px;margin-top:4px">${f.url ? `<a href="${href(f.url)}" style="color:${brand.color}">${escapeHtml(f.label)}</a>` : escapeHtml(f.label)}</div>`)
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px;border-left:3px solid ${brand.color};background:#f7f7f8"><tr><td style="padding:10px 14px">
${personRow(message.author, brand, message.at, 28)}
${message.text ? `<div style="${FONT};font-size:15px;line-height:1.5;color:${INK}">${paragraphHtml(message.text)}</div>` : ''}${files}
</td></tr></table>`;
}

/** The HTML part. */
export function emailHtml(content: EmailContent): string {
  const { brand } = content;
  const p = (text: string) => `<p style="margin:0 0 12px;${FONT};font-size:15px;line-height:1.5;color:${INK}">${paragraphHtml(text)}</p>`;
  const small = (text: string) => `<p style="margin:0 0 6px;${FONT};font-size:12px;line-height:1.5;color:${MUTED}">${paragraphHtml(text)}</p>`;
  const footer = [
    ...(content.footer ?? []).map(small),
    small(`Sent by ${brand.name}.`),
    ...(content.unsubscribe ? [`<p style="margin:0;${FONT};font-size:12px"><a href="${href(content.unsubscribe)}" style="color:${MUTED}">Unsubscribe from these emails</a></p>`] : []),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>${escapeHtml(content.heading)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5">
<div style="display:none;max-height:0;overflow:hidden;opacity:0">${escapeHtml(content.preview)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5"><tr><td align="center" style="padding:24px 8px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;border-top:4px solid ${brand.color};border-radius:8px">
<tr><td style="padding:18px 24px 0;${FONT};font-size:14px;font-weight:bold;color:${brand.color}">${escapeHtml(brand.name)}</td></tr>
<tr><td style="padding:16px 24px 24px">
${content.topLine ? small(content.topLine) : ''}
${content.person ? personRow(content.person, brand, '', 40) : ''}
<h1 style="margin:0 0 12px;${FONT};font-size:20px;line-height:1.3;color:${INK}">${escapeHtml(content.heading)}</h1>
${content.paragraphs.map(p).join('\n')}
${content.card ? cardHtml(content.card, brand) : ''}
${(content.messages ?? []).map((m) => messageHtml(m, brand)).join('\n')}
${buttonsHtml(content.buttons, brand)}
</td></tr></table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px"><tr><td style="padding:16px 24px">
${footer}
</td></tr></table>
</td></tr></table>
</body></html>`;
}

/** The plain-text part: the same content, each link on its own line after its words. */
export function emailText(content: EmailContent): string {
  const blocks: string[] = [];
  if (content.topLine) blocks.push(content.topLine);
  blocks.push(content.heading, ...content.paragraphs);
  if (content.card) {
    const join = joinButton(content.card.location);
    blocks.push(
      [content.card.title, ...cardRows(content.card).map((row) => `${row.label}: ${row.value}${row.url && !join ? ` (${row.url})` : ''}`), ...(join ? [`Join: ${join.url}`] : [])].join('\n'),
    );
  }
  for (const m of content.messages ?? []) {
    blocks.push([`${m.author.name}, ${m.at}:`, ...(m.text ? [m.text] : []), ...m.files.map((f) => (f.url ? `${f.label}: ${f.url}` : f.label))].join('\n'));
  }
  if (content.buttons.length > 0) blocks.push(content.buttons.map((b) => `${b.label}: ${b.url}`).join('\n'));
  blocks.push([...(content.footer ?? []), `Sent by ${content.brand.name}.`, ...(content.unsubscribe ? [`Unsubscribe: ${content.unsubscribe}`] : [])].join('\n'));
  return blocks.join('\n\n');
}

export const renderEmail = (content: EmailContent): { html: string; text: string } => ({ html: emailHtml(content), text: emailText(content) });
