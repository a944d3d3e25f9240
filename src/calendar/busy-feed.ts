import { outboundUrlProblem } from '../http/outbound-url';
import type { Backoff } from '../actor/backoff';

/**
 * Limits of the agent's busy feed (M1; docs/meetings.md). The feed is fetched only by the
 * calendar's own `feed` job, never while a request waits, so these bound what one URL an
 * agent typed can cost the Worker: one fetch per refresh, of bounded time and size.
 */
export const FEED_REFRESH_MS = 15 * 60_000;
export const FEED_TIMEOUT_MS = 10_000;
export const FEED_MAX_BYTES = 2 * 1024 * 1024;
export const FEED_MAX_REDIRECTS = 3;
/** After a failure: 1 minute, doubling, at most an hour between attempts. */
export const FEED_BACKOFF: Backoff = { baseMs: 60_000, capMs: 3_600_000 };

/** The feed's text, or an Error whose message is shown to the agent as the feed's last error. */
export async function fetchBusyFeed(url: string, allowLoopback: boolean): Promise<string> {
  const signal = AbortSignal.timeout(FEED_TIMEOUT_MS);
  try {
    let target = url;
    for (let redirects = 0; ; redirects++) {
      // Each hop is judged like the URL itself: a public feed may not redirect to a private host.
      const problem = outboundUrlProblem(target, { allowLoopback });
      if (problem) throw new Error(`${target}: ${problem}.`);
      const response = await fetch(target, { headers: { accept: 'text/calendar' }, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects === FEED_MAX_REDIRECTS) throw new Error(`The feed sent more than ${FEED_MAX_REDIRECTS} redirects.`);
        target = new URL(location, target).toString();
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`The feed answered HTTP ${response.status}.`);
      }
      return await readCapped(response, signal);
    }
  } catch (err) {
    if (signal.aborted) throw new Error(`The feed gave no answer within ${FEED_TIMEOUT_MS / 1000} s.`);
    throw err;
  }
}

/** The body as text, refusing it once it passes the cap (nothing past it is read). */
async function readCapped(response: Response, signal: AbortSignal): Promise<string> {
  const tooLarge = () => new Error(`The feed is larger than ${FEED_MAX_BYTES / 1024 / 1024} MiB.`);
  if (Number(response.headers.get('content-length')) > FEED_MAX_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  // A body that stalls is given up with the same deadline as the answer.
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  aborted.catch(() => undefined);
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return text + decoder.decode();
      size += value.byteLength;
      if (size > FEED_MAX_BYTES) throw tooLarge();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
