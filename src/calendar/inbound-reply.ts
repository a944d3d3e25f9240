import { ownerOf } from './endpoints';
import { IcalError, parseReply } from './ical';
import { parseMeetingUid } from './notifications';
import { calendarActor } from './stub';
import { findAgentById } from '../directory/agents';
import { readInboundEmail } from '../email/inbound-mail';
import type { InboundEmail } from '../email/message';
import type { Env } from '../env';

/**
 * A calendar's iTIP REPLY to an invite (M3), mailed to the calendar's address: confirms or
 * declines the meeting (the agent's answer) or cancels it (the guest's DECLINED). Mail that
 * carries no such reply is refused with a reason the sender's server shows.
 */
export async function receiveCalendarReply(message: InboundEmail, env: Env): Promise<void> {
  const read = await readInboundEmail(message);
  if (!read.ok) {
    message.setReject(read.reason);
    return;
  }
  const { mail } = read;
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
    // Whatever the parser trips on in a stranger's calendar data is a reason to bounce, not a crash.
    message.setReject(`Doorbell could not read this calendar reply: ${err instanceof IcalError ? err.message : 'not valid iCalendar'}`);
    return;
  }
  const ids = parseMeetingUid(reply.uid);
  const agent = ids ? await findAgentById(env.DB, ids.agentId) : null;
  if (!ids || !agent) {
    message.setReject('This calendar reply is for no meeting Doorbell knows.');
    return;
  }
  // The reply must name the meeting's agent or guest as the attendee and come from that
  // address as the envelope sender (whose SPF/DKIM Email Routing has checked).
  const sender = message.from.trim().toLowerCase();
  const calendar = calendarActor(env, agent.id);
  if (reply.attendee === agent.email.toLowerCase() && sender === reply.attendee) {
    if (reply.partstat !== 'ACCEPTED' && reply.partstat !== 'DECLINED') return;
    const outcome = await calendar.respond(ownerOf(agent), ids.meetingId, reply.partstat);
    if (!outcome.ok) message.setReject(outcome.message);
    return;
  }
  const meeting = await calendar.meeting(ownerOf(agent), ids.meetingId);
  if (!meeting.ok || meeting.value.guest.email.toLowerCase() !== reply.attendee || sender !== reply.attendee) {
    message.setReject("This calendar reply does not come from the meeting's agent or guest.");
    return;
  }
  // The guest booked the meeting: declining cancels it as their cancel link does; any other
  // answer changes nothing, and is taken rather than bounced.
  if (reply.partstat !== 'DECLINED') return;
  const outcome = await calendar.cancel(ownerOf(agent), ids.meetingId);
  if (!outcome.ok) message.setReject(outcome.message);
}
