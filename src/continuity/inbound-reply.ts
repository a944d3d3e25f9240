import type { Attachment, Email } from 'postal-mime';
import { putFile, checkSize, upload } from '../attachments/upload';
import type { ErrorCode } from '../errors';
import { HttpError } from '../http/errors';
import { attachmentMaxBytes } from '../vars';
import type { Caller } from '../conversation/actor';
import { agentParticipant } from '../conversation/model';
import { LIMITS } from '../conversation/protocol';
import { findAgentById } from '../directory/agents';
import { findGuest } from '../directory/guests';
import type { InboundEmail } from '../email/message';
import type { Env } from '../env';
import { readInboundEmail } from '../email/inbound-mail';
import { verifyReplyAddress } from './reply-address';
import { htmlToText, replyText } from './reply-text';
import { conversationActor } from '../conversation/stub';

/** The client id a reply is posted with: the same email delivered twice posts once (C9). */
async function clientIdOf(mail: Email, raw: Uint8Array | string): Promise<string> {
  const source = mail.messageId?.trim() || raw;
  const digest = await crypto.subtle.digest('SHA-256', typeof source === 'string' ? new TextEncoder().encode(source) : source);
  return `email:${[...new Uint8Array(digest)].slice(0, 16).map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The participant as a conversation caller, with the address the conversation emails them at. */
async function participantCaller(env: Env, participant: { id: string; kind: 'guest' | 'agent' }): Promise<{ caller: Caller; email: string | null } | null> {
  if (participant.kind === 'agent') {
    const agent = await findAgentById(env.DB, participant.id);
    return agent ? { caller: { kind: 'agent', agent: agentParticipant(agent) }, email: agent.email } : null;
  }
  const guest = await findGuest(env.DB, participant.id);
  return guest ? { caller: { kind: 'guest', guest: { id: guest.id, name: guest.name, avatarUrl: null } }, email: guest.email } : null;
}

/**
 * An answer to a continuity email, sent to its signed reply address: verified, stripped of
 * quoted history and signature, and posted into the conversation as the participant the
 * address names. Anything refused gets a bounce whose reason says why.
 */
export async function receiveReply(message: InboundEmail, env: Env): Promise<void> {
  const target = await verifyReplyAddress(env, message.to);
  if (!target) {
    message.setReject('This reply address is not valid: answer a Doorbell email with your mail client’s Reply, without changing the address.');
    return;
  }
  const read = await readInboundEmail(message);
  if (!read.ok) {
    message.setReject(read.reason);
    return;
  }
  const { mail, raw } = read;
  const autoSubmitted = mail.headers.find((h) => h.key === 'auto-submitted')?.value.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') {
    // Vacation notices and other automatic answers would otherwise land in the chat.
    message.setReject('Automatic replies are not posted into Doorbell conversations.');
    return;
  }

  const conversation = conversationActor(env, target.conversationId);
  const participant = await conversation.emailParticipant(target.handle);
  const person = participant ? await participantCaller(env, participant) : null;
  if (!person) {
    message.setReject('You are no longer in this conversation, so your reply was not posted.');
    return;
  }
  // The signature proves the address came from one of our emails; the sender check keeps a
  // forwarded email from letting someone else answer in the participant's name. Only the
  // envelope sender counts: Email Routing authenticates it (SPF/DKIM), while anyone can
  // write any From: header.
  if (!person.email || message.from.trim().toLowerCase() !== person.email.toLowerCase()) {
    message.setReject('This reply does not come from the address the conversation emailed, so it was not posted. Reply from that address.');
    return;
  }

  let text = replyText(mail.text?.trim() ? mail.text : mail.html ? await htmlToText(mail.html) : '');
  // Inline parts are a signature's logo and the like; what the sender attached is the rest.
  const attached = mail.attachments.filter((a) => a.disposition === 'attachment');
  if (!text && attached.length === 0) {
    message.setReject('This reply has no text of its own above the quoted messages, so nothing was posted. Write your answer above the quote.');
    return;
  }
  if (text.length > LIMITS.messageChars) {
    message.setReject(`This reply is ${text.length} characters long; messages are limited to ${LIMITS.messageChars}. Shorten it or split it.`);
    return;
  }
  const clientId = await clientIdOf(mail, raw);
  let files: { ids: string[]; refused: string[] };
  try {
    files = await attachEmailFiles(env, target.conversationId, person.caller, clientId, attached);
  } catch (err) {
    // The sender may not write here any more (a basic license): the same bounce as a refused post.
    if (!(err instanceof HttpError)) throw err;
    message.setReject(`Your reply was not posted: ${err.message}`);
    return;
  }
  if (files.refused.length > 0) text = `${text}${text ? '\n\n' : ''}[Not attached: ${files.refused.join(', ')}]`.slice(0, LIMITS.messageChars);
  const outcome = await conversation.post(person.caller, clientId, text, { attachments: files.ids });
  if (!outcome.ok) message.setReject(`Your reply was not posted: ${outcome.message}`);
}

/** Why a file of an email was left out, in the words of its `[Not attached: …]` line. */
const REFUSED_BECAUSE: Partial<Record<ErrorCode, string>> = {
  attachment_too_large: 'too large',
  file_type_not_allowed: 'type not allowed',
  file_type_mismatch: 'not what its name says',
  too_many_attachments: `more than ${LIMITS.attachmentsPerMessage} files`,
};

/**
 * Stores an email's files as uploads of the message `clientId` (docs/attachments.md "Files from
 * email replies"), each under the upload route's limits; the same email delivered twice finds
 * its files stored (by name). Answers the ids stored and a word for each file refused.
 */
async function attachEmailFiles(env: Env, conversationId: string, caller: Caller, clientId: string, attached: Attachment[]): Promise<{ ids: string[]; refused: string[] }> {
  const conversation = conversationActor(env, conversationId);
  const max = attachmentMaxBytes(env);
  const ids: string[] = [];
  const refused: string[] = [];
  const names = new Set<string>();
  for (const part of attached) {
    const name = uniqueName(fileNameOf(part.filename), names);
    const bytes = typeof part.content === 'string' ? new TextEncoder().encode(part.content) : new Uint8Array(part.content);
    try {
      checkSize(bytes.byteLength, max);
      const done = await upload(conversation, conversationId, caller, { clientId, name, size: bytes.byteLength }, (key) => putFile(env.FILES, key, bytes, name, part.mimeType));
      ids.push(done.attachment.id);
    } catch (err) {
      const reason = err instanceof HttpError ? REFUSED_BECAUSE[err.code as ErrorCode] : undefined;
      if (!reason) throw err;
      refused.push(`${name} (${reason})`);
    }
  }
  return { ids, refused };
}

/** A mail client's file name as the upload route would take it: no path, no control or bidi characters, at most 200 characters. */
function fileNameOf(filename: string | null | undefined): string {
  const base = (filename ?? '').split(/[\\/]/).pop()!;
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'unnamed file' : clean;
}

/** Names are unique within a message: a second `photo.png` becomes `photo (2).png`. */
function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) {
    const dot = name.lastIndexOf('.');
    candidate = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
  }
  taken.add(candidate);
  return candidate;
}
