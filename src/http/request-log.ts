import { logEvent } from '../actor/log';

/** What the request's log line says about who called; guests by their opaque id, never a name or email. */
export type LoggedActor = { kind: 'admin' | 'agent' | 'guest' | 'anonymous'; id: string | null };

export interface RequestLog {
  id: string;
  started: number;
  actor: LoggedActor;
}

const logs = new WeakMap<Request, RequestLog>();

/** Cloudflare's ray id names the request in its dashboards too; locally there is none, so one is made. */
function requestIdOf(request: Request): string {
  const ray = request.headers.get('cf-ray');
  return ray && /^[\w-]{1,64}$/.test(ray) ? ray : crypto.randomUUID();
}

export function beginRequest(request: Request): RequestLog {
  const log: RequestLog = { id: requestIdOf(request), started: Date.now(), actor: { kind: 'anonymous', id: null } };
  logs.set(request, log);
  return log;
}

/** The log of a request the Worker's fetch began (undefined for one made inside, e.g. in a test of a handler). */
export const requestLogOf = (request: Request): RequestLog | undefined => logs.get(request);

/**
 * Writes the request's one log line and answers `response` with its `x-request-id`; a 5xx
 * envelope also carries it as `error.requestId`, so that a user's report of a failure leads
 * to the line (and the `unhandled error` line before it). `route` is the matched pattern,
 * never the URL, whose path or query may hold a token.
 */
export async function finishRequest(log: RequestLog, request: Request, response: Response, route: string): Promise<Response> {
  logEvent({
    type: 'request',
    requestId: log.id,
    method: request.method,
    route,
    status: response.status,
    outcome: response.status < 400 ? 'ok' : response.status < 500 ? 'refused' : 'failed',
    actorKind: log.actor.kind,
    actorId: log.actor.id,
    durationMs: Date.now() - log.started,
  });
  const headers = new Headers(response.headers);
  headers.set('x-request-id', log.id);
  let body: BodyInit | null = response.body;
  if (response.status >= 500 && headers.get('content-type')?.startsWith('application/json')) {
    const envelope = (await response.json()) as { error?: Record<string, unknown> };
    if (envelope.error) envelope.error.requestId = log.id;
    body = JSON.stringify(envelope);
    headers.delete('content-length');
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers, webSocket: response.webSocket });
}
