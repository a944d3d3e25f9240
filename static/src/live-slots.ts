// Live slots and holds for the booking page, and the live meeting page (docs/meetings.md,
// "Live slots and holds"; frames in docs/protocol.md). Both follow a report socket of the
// agent's calendar that reconnects with back-off; the pages re-render through callbacks.
import type { MeetingPageFrame, MeetingView, SlotChange, SlotsFrame } from '../../src/calendar/meeting';
import { LiveFeed } from './console-api';
import { request } from './page';

const socketUrl = (path: string) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;

export interface LiveSlots {
  /** This page's id once its socket is open (holds need it), else null. */
  page(): string | null;
  /** Holds the chosen time, releasing the page's previous hold; the hold token, or null without a socket yet. */
  hold(start: string, durationMinutes: number, type: string): Promise<string | null>;
  /** Lets go of the page's hold, if any. */
  release(): void;
}

/**
 * Follows the calendar's slots socket: `onChange` gets the times that changed (an empty list
 * after a reconnect or a `refresh`, when anything may have), for the page to read its slots
 * again. Leaving the page closes the socket, which releases its hold.
 */
export function liveSlots(slug: string, onChange: (changed: SlotChange[]) => void): LiveSlots {
  const base = `/api/agents/${encodeURIComponent(slug)}`;
  let page: string | null = null;
  let token: string | null = null;
  const feed = new LiveFeed<SlotsFrame>(
    () => socketUrl(`${base}/slots/socket`),
    (frame) => {
      if (frame.type === 'page') {
        // A new socket is a new page: whatever the old one held was released when it closed.
        const reconnected = page !== null;
        page = frame.page;
        token = null;
        if (reconnected) onChange([]);
      } else onChange(frame.type === 'slots' ? frame.changed : []);
    },
    () => {},
  );
  feed.connect();
  addEventListener('pagehide', () => feed.stop());
  const release = () => {
    if (token) void request('DELETE', `${base}/holds/${token}`).catch(() => {});
    token = null;
  };
  return {
    page: () => page,
    async hold(start, durationMinutes, type) {
      if (!page) return null;
      const held = await request<{ holdToken: string }>('POST', `${base}/holds`, { start, durationMinutes, type, page });
      return (token = held.holdToken);
    },
    release,
  };
}

/** Follows one meeting for the meeting page: `onMeeting` gets it after every change. */
export function liveMeeting(token: string, onMeeting: (meeting: MeetingView) => void): void {
  let first = true;
  const feed = new LiveFeed<MeetingPageFrame>(
    () => socketUrl(`/api/meetings/${encodeURIComponent(token)}/socket`),
    (frame) => {
      // The page already shows the meeting it read; later frames (and reconnects) may be news.
      if (!first) onMeeting(frame.meeting);
      first = false;
    },
    () => {},
  );
  feed.connect();
  addEventListener('pagehide', () => feed.stop());
}
