import type { Env } from '../env';
import { signServerToken, verifyLinkToken } from '../http/auth';
import { HttpError } from '../http/errors';

const AUDIENCE = 'doorbell-meeting';
/** A guest's link works until a week after the meeting: long enough to reschedule, not forever. */
const GRACE_AFTER_MEETING_S = 7 * 24 * 3600;

export interface MeetingLinkClaims {
  agentId: string;
  meetingId: string;
}

/** M4: the guest's signed, expiring key to see, reschedule or cancel one meeting. */
export const signMeetingLink = (env: Env, claims: MeetingLinkClaims, meetingEnd: number): Promise<string> =>
  signServerToken(env, {
    typ: 'meeting',
    audience: AUDIENCE,
    subject: claims.meetingId,
    expires: Math.floor(meetingEnd / 1000) + GRACE_AFTER_MEETING_S,
    claims: { agent: claims.agentId },
  });

export async function verifyMeetingLink(env: Env, token: string): Promise<MeetingLinkClaims> {
  const payload = await verifyLinkToken(env, token, 'meeting', AUDIENCE, 'meeting');
  if (typeof payload.agent !== 'string') throw new HttpError(401, 'invalid_link', 'This meeting link is not valid.');
  return { agentId: payload.agent, meetingId: payload.sub };
}

export const meetingPageUrl = (env: Env, token: string): string => `${env.PUBLIC_BASE_URL}/meeting#${token}`;

/** The agent's booking page (static/src/booking-page.ts). */
export const bookingPageUrl = (env: Env, slug: string): string => `${env.PUBLIC_BASE_URL}/u/${slug}/meet`;
