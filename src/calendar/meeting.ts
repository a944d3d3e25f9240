import { z } from 'zod';
import type { CalendarSettings } from './settings';

// Meetings as the API and the calendar socket show them. The agent console and the guest
// pages import these types (static/src), so this module depends on zod and types only.

/** Where a booked meeting takes place, as its invite, emails, page and note show it. */
export const MeetingLocation = z.object({
  kind: z.enum(['address', 'phone', 'link', 'jitsi']),
  text: z.string().describe('What to show: the address, the number, or the link'),
  url: z.string().optional().describe('What to open: the video link, or tel: for a number'),
});
export type MeetingLocation = z.infer<typeof MeetingLocation>;

/** A guest's answer as the meeting keeps it: with the question's label of the time of booking. */
export interface Answer {
  id: string;
  label: string;
  value: string;
}

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
  /** The meeting type it was booked as (its title then). */
  type: { slug: string; title: string };
  /** Made at booking and kept through every change: a Jitsi room stays the same room. */
  location: MeetingLocation | null;
  answers: Answer[];
  /** The chat offer it was booked from: then `conversationId` is that conversation's. */
  offerId?: string;
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
  type: z.object({ slug: z.string(), title: z.string() }),
  location: MeetingLocation.nullable(),
  answers: z.array(z.object({ id: z.string(), label: z.string(), value: z.string() })).describe("The guest's answers to the type's questions"),
  offerId: z.string().optional().describe('Booked from this offer in its conversation (docs/meetings.md "Booking from the chat")'),
});
export type MeetingView = z.infer<typeof MeetingView>;

/** The secret of a hold (POST /api/agents/{slug}/holds), to book or release it. */
export const HoldToken = z.string().regex(/^ht_[A-Za-z0-9]{10,40}$/, 'must be a hold token');

/** A booking page's id, from the first frame of its slots socket. */
export const PageId = z.string().regex(/^pg_[A-Za-z0-9]{10,40}$/, 'must be a page id');

/**
 * A time that stopped or may have started being bookable (docs/protocol.md, "Slots socket"):
 * a meeting's or hold's own interval, nothing of who it is for.
 */
export interface SlotChange {
  start: string;
  end: string;
  available: boolean;
  reason: 'booked' | 'held' | 'free';
}

/** Frames of a booking page's slots socket: its page id first, then changes. */
export type SlotsFrame =
  | { type: 'page'; page: string; holdMinutes: number }
  | { type: 'slots'; changed: SlotChange[] }
  /** The settings or a meeting type changed: every slot may differ, read them again. */
  | { type: 'refresh' };

/** Frames of a guest's meeting page socket: the meeting on connect and after each change. */
export type MeetingPageFrame = { type: 'meeting'; meeting: MeetingView };

/** What the signed link of a guest's emails opens. */
export const GuestMeetingView = z.object({
  meeting: MeetingView,
  agent: z.object({ slug: z.string(), name: z.string(), avatarUrl: z.string().nullable(), timeZone: z.string() }),
});
export type GuestMeetingView = z.infer<typeof GuestMeetingView>;
