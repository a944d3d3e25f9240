import { z } from 'zod';
import type { CalendarSettings } from './settings';

// Meetings as the API and the calendar socket show them. The agent console and the guest
// pages import these types (static/src), so this module depends on zod and types only.

export type MeetingStatus = 'pending' | 'confirmed' | 'cancelled';

/** A meeting as the calendar actor stores it and its socket sends it (times in ms). */
export interface Meeting {
  id: string;
  status: MeetingStatus;
  start: number;
  end: number;
  sequence: number;
  guest: { id: string; name: string; email: string; timeZone: string };
  conversationId: string;
  bookedBy: 'guest' | 'agent';
}

/** Every frame of the calendar socket: a snapshot on connect, then each change. */
export type CalendarFrame =
  | { type: 'meetings'; meetings: Meeting[] }
  | { type: 'meeting'; meeting: Meeting }
  | { type: 'settings'; settings: CalendarSettings };

/** A meeting in the HTTP API (ISO times). */
export const MeetingView = z.object({
  id: z.string(),
  status: z.enum(['pending', 'confirmed', 'cancelled']),
  start: z.string(),
  end: z.string(),
  durationMinutes: z.number().int(),
  sequence: z.number().int(),
  guest: z.object({ name: z.string(), email: z.string(), timeZone: z.string() }),
  conversationId: z.string(),
  bookedBy: z.enum(['guest', 'agent']),
});
export type MeetingView = z.infer<typeof MeetingView>;

/** What the signed link of a guest's emails opens. */
export const GuestMeetingView = z.object({
  meeting: MeetingView,
  agent: z.object({ slug: z.string(), name: z.string(), avatarUrl: z.string().nullable(), timeZone: z.string() }),
});
export type GuestMeetingView = z.infer<typeof GuestMeetingView>;
