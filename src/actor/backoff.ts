/**
 * The one retry timing of the project (every job of actor/jobs.ts, webhook deliveries, CRM
 * pushes): exponential backoff from a base delay, doubling per failed attempt up to a cap,
 * plus up to 10 % random jitter so that many retries queued during one outage do not all
 * hit the receiver in the same second.
 */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** The delay after the `failures`-th failed attempt (1 for the first failure). */
export function backoffDelay(policy: Backoff, failures: number, random: () => number = Math.random): number {
  const exact = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exact * (1 + 0.1 * random()));
}

/**
 * The wait a 429 or 503 answer asks for (`Retry-After`, in seconds or as an HTTP date), in
 * milliseconds; null when absent or unreadable. Capped at a day so a bogus header cannot park a job forever.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) && header.trim() !== '' ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, Math.round(ms)), 86_400_000);
}
