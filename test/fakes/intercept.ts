import { vi } from 'vitest';

/** A recorded outbound request, with its body read once. */
export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  /** The caller's abort signal, so a fake that never answers can still be given up on. */
  signal: AbortSignal;
}

export type FakeHandler = (request: Recorded) => Response | Promise<Response>;

/**
 * Routes the Worker's outbound fetch by origin to local fakes (a webhook receiver, HubSpot,
 * Salesforce), so the real HTTP clients run unchanged against documented hosts. Requests to
 * any other origin fail loudly. Returns a function that removes the interception.
 */
export function interceptFetch(fakes: Record<string, FakeHandler>): () => void {
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const handler = fakes[url.origin];
    if (!handler) throw new TypeError(`No fake for ${url.origin} (${request.method} ${url.pathname})`);
    const recorded: Recorded = { method: request.method, url, headers: request.headers, body: await request.text(), signal: request.signal };
    return handler(recorded);
  });
  return () => spy.mockRestore();
}
