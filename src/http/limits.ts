import type { Env } from '../env';
import { isDevelopment } from '../env';
import { HttpError } from './errors';

/**
 * Limits on anonymous and cheap-to-repeat work (docs/api.md, "Limits"). Creating guests,
 * conversations, bookings and invites goes through the Workers Rate Limiting binding: counts per
 * Cloudflare location, approximate, which is enough to stop a script. One binding per budget
 * (the number is in its name), shared by several limits whose keys are prefixed with the
 * limit's name. Exact limits (a conversation's messages and sockets) are counted in the
 * conversation actor instead (src/conversation/actor.ts).
 */
export interface RateLimitEnv {
  LIMIT_10_PER_MINUTE: RateLimit;
  LIMIT_30_PER_MINUTE: RateLimit;
  /** "off" turns every limit off, honoured only in development: the test and benchmark runners set it. */
  RATE_LIMITS?: string;
}

const PERIOD_SECONDS = 60;

export const RATE_LIMITS = {
  guests_per_address: { binding: 'LIMIT_30_PER_MINUTE', what: 'new guests from one address' },
  conversations_per_address: { binding: 'LIMIT_30_PER_MINUTE', what: 'new conversations from one address' },
  conversations_per_guest: { binding: 'LIMIT_10_PER_MINUTE', what: 'new conversations by one guest' },
  bookings_per_address: { binding: 'LIMIT_10_PER_MINUTE', what: 'bookings from one address' },
  holds_per_address: { binding: 'LIMIT_30_PER_MINUTE', what: 'holds placed from one address' },
  invites_per_agent: { binding: 'LIMIT_30_PER_MINUTE', what: 'invite links made by one agent' },
  invite_accepts_per_address: { binding: 'LIMIT_30_PER_MINUTE', what: 'invites accepted from one address' },
  invite_accepts_per_guest: { binding: 'LIMIT_10_PER_MINUTE', what: 'invites accepted by one guest' },
} as const satisfies Record<string, { binding: keyof Omit<RateLimitEnv, 'RATE_LIMITS'>; what: string }>;

export type RateLimitName = keyof typeof RATE_LIMITS;

export const rateLimitsOn = (env: Pick<Env, 'ENVIRONMENT'> & Partial<RateLimitEnv>): boolean =>
  !(isDevelopment(env) && env.RATE_LIMITS === 'off');

/** The client's address as Cloudflare saw it; every request through Cloudflare has one. */
export const clientAddress = (request: Request): string => request.headers.get('cf-connecting-ip') ?? 'unknown';

/** `429 rate_limited`, with Retry-After and the limit's name in `details.limit`. */
export const rateLimited = (limit: string, retryAfterSeconds: number, message: string): HttpError =>
  new HttpError(429, 'rate_limited', message, { limit, retryAfter: retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });

/** Counts one more of `name` for `key`, or throws 429 when the key is over its budget. */
export async function enforceRateLimit(env: Env, name: RateLimitName, key: string): Promise<void> {
  if (!rateLimitsOn(env)) return;
  const { binding, what } = RATE_LIMITS[name];
  const { success } = await env[binding].limit({ key: `${name}:${key}` });
  if (!success) {
    const number = binding === 'LIMIT_10_PER_MINUTE' ? 10 : 30;
    throw rateLimited(name, PERIOD_SECONDS, `Too many ${what}: at most ${number} a minute. Try again in a minute.`);
  }
}
