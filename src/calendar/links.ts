import type { Env } from '../env';
import { signServerToken, verifyServerToken } from '../http/auth';
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
  try {
    const payload = await verifyServerToken(env, token, 'meeting', AUDIENCE);
    if (typeof payload.agent !== 'string') throw new Error('incomplete link');
    return { agentId: payload.agent, meetingId: payload.sub };
  } catch (err) {
    const expired = err && typeof err === 'object' && 'code' in err && err.code === 'ERR_JWT_EXPIRED';
    throw expired
      ? new HttpError(410, 'link_expired', 'This meeting link has expired.')
      : new HttpError(401, 'invalid_link', 'This meeting link is not valid.');
  }
}

export const meetingPageUrl = (env: Env, token: string): string => `${env.PUBLIC_BASE_URL}/meeting#${token}`;

/** The agent's booking page (static/src/booking-page.ts). */
export const bookingPageUrl = (env: Env, slug: string): string => `${env.PUBLIC_BASE_URL}/u/${slug}/meet`;
