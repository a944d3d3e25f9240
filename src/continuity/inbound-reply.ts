import type { Email } from 'postal-mime';
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
  if (!text) {
    message.setReject('This reply has no text of its own above the quoted messages, so nothing was posted. Write your answer above the quote.');
    return;
  }
  const files = mail.attachments.filter((a) => a.disposition === 'attachment').map((a) => a.filename ?? 'unnamed file');
  if (files.length > 0) text += `\n\n[Attachments stay in the email: ${files.join(', ')}]`;
  if (text.length > LIMITS.messageChars) {
    message.setReject(`This reply is ${text.length} characters long; messages are limited to ${LIMITS.messageChars}. Shorten it or split it.`);
    return;
  }
  const outcome = await conversation.post(person.caller, await clientIdOf(mail, raw), text);
  if (!outcome.ok) message.setReject(`Your reply was not posted: ${outcome.message}`);
}
