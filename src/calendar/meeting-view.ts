import type { Meeting, MeetingView } from './meeting';

// Types only, so that the console's bundle can use it without zod.

/** A stored meeting (times in ms, the guest's id) as the HTTP API and the meeting page show it. */
export const meetingView = (m: Meeting): MeetingView => ({
  id: m.id,
  status: m.status,
  start: new Date(m.start).toISOString(),
  end: new Date(m.end).toISOString(),
  durationMinutes: Math.round((m.end - m.start) / 60000),
  sequence: m.sequence,
  guest: { name: m.guest.name, email: m.guest.email, timeZone: m.guest.timeZone },
  conversationId: m.conversationId,
  bookedBy: m.bookedBy,
  type: m.type,
  location: m.location,
  answers: m.answers,
  ...(m.offerId ? { offerId: m.offerId } : {}),
});
