import type { Entry } from '../conversation/protocol';
import { sizeLabel } from '../attachments/links';
import { newId } from '../directory/ids';
import { renderEmail, type Brand, type EmailContent } from '../email/layout';
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
  brand: Brand;
  /** The signed link that stops these emails for the recipient (continuity/unsubscribe.ts); digests only. */
  unsubscribe?: string | undefined;
}

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
  const earlier = input.omitted > 0 ? `(${input.omitted} earlier message${input.omitted === 1 ? ' is' : 's are'} not shown here: see them in the conversation.)` : null;
  const content: EmailContent = {
    brand: input.brand,
    preview: input.messages.at(-1)?.text?.slice(0, 120) ?? words.intro,
    topLine: `——— ${REPLY_ABOVE_MARKER} to answer in the conversation ———`,
    heading: title,
    paragraphs: [words.intro, ...(earlier ? [earlier] : [])],
    messages: input.messages.map((m) => ({ author: { name: m.author.name }, at: stamp(m.at, input.timeZone), text: m.text ?? '', files: fileLines(m, links) })),
    buttons: [{ label: 'Reply', url: `mailto:${input.replyTo}` }, ...(input.link ? [{ label: 'Open the conversation', url: input.link }] : [])],
    footer: [`Reply to this email to answer in the conversation${input.link ? ', or open it in your browser' : ''}.`],
    unsubscribe: input.unsubscribe,
  };
  return {
    id: newId('em'),
    from: input.from,
    to: [{ ...input.to, ...(input.to.name ? { name: oneLine(input.to.name) } : {}) }],
    replyTo: { name: title, email: input.replyTo },
    subject: words.subject,
    ...renderEmail(content),
    headers: {
      // Mail clients keep these out of vacation auto-replies and mark the email as automatic.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      // RFC 2369 and RFC 8058: the client's own "Unsubscribe" posts to the link, no page needed.
      ...(input.unsubscribe ? { 'List-Unsubscribe': `<${input.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    },
  };
}
