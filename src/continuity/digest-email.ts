import type { Entry } from '../conversation/protocol';
import { sizeLabel } from '../attachments/links';
import { newId } from '../directory/ids';
import type { Address, OutgoingEmail } from '../email/message';
import { REPLY_ABOVE_MARKER } from './reply-text';

/**
 * The email that carries the messages someone missed while away from a conversation (C12), and the transcript of a resolved one.
 * It quotes them with their authors and times, and is answered by replying: the Reply-To is
 * the conversation's signed reply address for this recipient (continuity/reply-address.ts).
 */
export interface DigestEmailInput {
  from: Address;
  to: Address;
  /** The signed reply address. */
  replyTo: string;
  /** The conversation's title as this recipient sees it (C3). */
  title: string;
  messages: readonly Entry[];
  /** How many earlier missed messages the email leaves out. */
  omitted: number;
  /** Where to continue in the browser: the guest page, or the agent console; null when no page opens this conversation. */
  link: string | null;
  /** The recipient's time zone for the times shown; UTC when unknown (guests). */
  timeZone: string;
  /** A signed link per attachment id of the messages (attachments/links.ts); a file without one is named only. */
  fileLinks?: ReadonlyMap<string, string>;
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function stamp(iso: string, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${format.format(new Date(iso))} ${timeZone === 'UTC' ? 'UTC' : `(${timeZone})`}`;
}

export function digestSubject(title: string, count: number): string {
  return `${count === 1 ? 'New message' : `${count} new messages`} — ${title}`;
}

/** Titles and names are free text; a line break in one must not end up in a header. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/** The files of a message, one line each: name, size and the signed link when there is one. */
const fileLines = (m: Entry, links: ReadonlyMap<string, string>): Array<{ label: string; url: string | null }> =>
  (m.attachments ?? []).map((a) => ({ label: `📎 ${oneLine(a.name)} (${sizeLabel(a.size)})`, url: links.get(a.id) ?? null }));

export function digestEmail(input: DigestEmailInput): OutgoingEmail {
  const count = input.messages.length + input.omitted;
  return conversationEmail(input, {
    subject: digestSubject(oneLine(input.title), count),
    intro: `You have ${count === 1 ? 'a new message' : `${count} new messages`} in "${input.title}" while you were away.`,
  });
}

/**
 * The transcript of a resolved conversation for a guest (docs/rules.md, "Transcript and
 * rating"): its messages up to the resolution, answered like a digest (a reply reopens it).
 */
export function transcriptEmail(input: DigestEmailInput): OutgoingEmail {
  return conversationEmail(input, {
    subject: `Transcript — ${oneLine(input.title)}`,
    intro: `Your conversation "${input.title}" is resolved. Here is what was said.`,
  });
}

/** The shape both emails share: the reply marker, an introduction, the messages quoted with authors and times, how to answer. */
function conversationEmail(input: DigestEmailInput, words: { subject: string; intro: string }): OutgoingEmail {
  const title = oneLine(input.title);
  const links = input.fileLinks ?? new Map<string, string>();
  const marker = `——— ${REPLY_ABOVE_MARKER} to answer in the conversation ———`;
  const { intro } = words;
  const earlier = input.omitted > 0 ? `(${input.omitted} earlier message${input.omitted === 1 ? ' is' : 's are'} not shown here: see them in the conversation.)` : null;
  const outro = `Reply to this email to answer in the conversation${input.link ? `, or continue at ${input.link}` : '.'}`;

  const text = [
    marker,
    '',
    intro,
    ...(earlier ? ['', earlier] : []),
    ...input.messages.flatMap((m) => [
      '',
      `${m.author.name}, ${stamp(m.at, input.timeZone)}:`,
      ...(m.text ? [m.text] : []),
      ...fileLines(m, links).map((f) => (f.url ? `${f.label}: ${f.url}` : f.label)),
    ]),
    '',
    outro,
  ].join('\n');

  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">
<p style="color:#888;font-size:12px">${escape(marker)}</p>
<p>${escape(intro)}</p>
${earlier ? `<p style="color:#666">${escape(earlier)}</p>` : ''}
${input.messages
  .map(
    (m) => `<div style="margin:12px 0;padding:8px 12px;border-left:3px solid #6d28d9;background:#f7f5ff">
<div style="font-size:13px;color:#555"><b>${escape(m.author.name)}</b> · ${escape(stamp(m.at, input.timeZone))}</div>
<div style="white-space:pre-wrap">${escape(m.text ?? '')}</div>
${fileLines(m, links)
  .map((f) => `<div>${f.url ? `<a href="${escape(f.url)}">${escape(f.label)}</a>` : escape(f.label)}</div>`)
  .join('\n')}
</div>`,
  )
  .join('\n')}
<p>Reply to this email to answer in the conversation${input.link ? `, or <a href="${escape(input.link)}">continue in your browser</a>` : ''}.</p>
</body></html>`;

  return {
    id: newId('em'),
    from: input.from,
    to: [{ ...input.to, ...(input.to.name ? { name: oneLine(input.to.name) } : {}) }],
    replyTo: { name: title, email: input.replyTo },
    subject: words.subject,
    text,
    html,
    // Mail clients keep these out of vacation auto-replies and mark the email as automatic.
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
}
