import PostalMime from 'postal-mime';
import { ownerOf } from './endpoints';
import { calendarActor } from './stub';
import { IcalError, parseReply } from './ical';
import { parseMeetingUid } from './notifications';
import { findAgentById } from '../directory/agents';
import type { InboundEmail } from '../email/message';
import type { Env } from '../env';

/**
 * A calendar's iTIP REPLY to an invite (M3), mailed to the calendar's address: confirms or
 * declines the meeting. Mail that carries no such reply is refused with a reason the
 * sender's server shows.
 */
export async function receiveCalendarReply(message: InboundEmail, env: Env): Promise<void> {
  const mail = await PostalMime.parse(message.raw);
  const calendarPart = mail.attachments.find((a) => /^text\/calendar/i.test(a.mimeType)) ?? mail.attachments.find((a) => /\.ics$/i.test(a.filename ?? ''));
  if (!calendarPart) {
    message.setReject('Doorbell found no calendar reply in this message.');
    return;
  }
  const ics = typeof calendarPart.content === 'string' ? calendarPart.content : new TextDecoder().decode(calendarPart.content);
  let reply;
  try {
    reply = parseReply(ics);
  } catch (err) {
    if (err instanceof IcalError) {
      message.setReject(`Doorbell could not read this calendar reply: ${err.message}`);
      return;
    }
    throw err;
  }
  const ids = parseMeetingUid(reply.uid);
  const agent = ids ? await findAgentById(env.DB, ids.agentId) : null;
  if (!ids || !agent) {
    message.setReject('This calendar reply is for no meeting Doorbell knows.');
    return;
  }
  // Only the meeting's agent answers their own invite: the reply must name them as the
  // attendee and come from their address (whose SPF/DKIM Email Routing has checked).
  if (reply.attendee !== agent.email || message.from.toLowerCase() !== agent.email) {
    message.setReject("This calendar reply does not come from the meeting's agent.");
    return;
  }
  if (reply.partstat !== 'ACCEPTED' && reply.partstat !== 'DECLINED') return;
  const outcome = await calendarActor(env, agent.id).respond(ownerOf(agent), ids.meetingId, reply.partstat);
  if (!outcome.ok) message.setReject(outcome.message);
}
