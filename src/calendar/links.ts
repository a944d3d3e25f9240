import { jwtVerify, SignJWT } from 'jose';
import type { Env } from '../env';
import { HttpError } from '../http/errors';

const AUDIENCE = 'doorbell-meeting';
const ISSUER = 'doorbell';
/** A guest's link works until a week after the meeting: long enough to reschedule, not forever. */
const GRACE_AFTER_MEETING_S = 7 * 24 * 3600;

export interface MeetingLinkClaims {
  agentId: string;
  meetingId: string;
}

const key = (env: Env) => new TextEncoder().encode(env.GUEST_TOKEN_SECRET);

/** M4: the guest's signed, expiring key to see, reschedule or cancel one meeting. */
export async function signMeetingLink(env: Env, claims: MeetingLinkClaims, meetingEnd: number): Promise<string> {
  return new SignJWT({ agent: claims.agentId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.meetingId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(meetingEnd / 1000) + GRACE_AFTER_MEETING_S)
    .sign(key(env));
}

export async function verifyMeetingLink(env: Env, token: string): Promise<MeetingLinkClaims> {
  try {
    const { payload } = await jwtVerify(token, key(env), { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['sub', 'exp'] });
    if (typeof payload.agent !== 'string' || !payload.sub) throw new Error('incomplete link');
    return { agentId: payload.agent, meetingId: payload.sub };
  } catch (err) {
    const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : 'invalid';
    throw new HttpError(code === 'ERR_JWT_EXPIRED' ? 410 : 401, code === 'ERR_JWT_EXPIRED' ? 'link_expired' : 'invalid_link',
      code === 'ERR_JWT_EXPIRED' ? 'This meeting link has expired.' : 'This meeting link is not valid.');
  }
}

export const meetingPageUrl = (env: Env, token: string): string => `${env.PUBLIC_BASE_URL}/meeting#${token}`;
