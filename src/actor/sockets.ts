import { CLOSE, errorEnvelope, type ErrorFrame } from '../errors';

/** Completes the closing handshake a client started (the runtime leaves it to us). */
export function completeClose(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005 and 1006 say no code was given or the connection dropped; neither may be sent.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}

/** What every actor keeps on a socket it accepts: when the token that opened it expires (ms). */
export interface ExpiringAttachment {
  expiresAt: number;
}

// Read from the attachment once per socket and object lifetime: delivery checks it per frame.
const expiries = new WeakMap<WebSocket, number>();
const EXPIRED_FRAME = JSON.stringify({
  type: 'error',
  code: 'token_expired',
  message: 'Your token expired: reconnect with a fresh one.',
} satisfies ErrorFrame);

/**
 * Closes the socket with 4001 once the token that opened it has expired, and says so: an
 * expired socket gets nothing more, even if its client never sends a frame again.
 */
export function closeIfExpired(ws: WebSocket, now = Date.now()): boolean {
  let expiresAt = expiries.get(ws);
  if (expiresAt === undefined) {
    expiresAt = (ws.deserializeAttachment() as Partial<ExpiringAttachment> | null)?.expiresAt ?? Number.POSITIVE_INFINITY;
    expiries.set(ws, expiresAt);
  }
  if (now <= expiresAt) return false;
  try {
    ws.send(EXPIRED_FRAME);
    ws.close(CLOSE.unauthorized, 'token expired');
  } catch {
    // Already closing.
  }
  return true;
}

/** Sends one frame to every socket whose token is still valid; a closing one is left to its close handler. */
export function broadcast(sockets: WebSocket[], frame: unknown, except?: WebSocket): void {
  const text = JSON.stringify(frame);
  const now = Date.now();
  for (const ws of sockets) {
    if (ws === except || closeIfExpired(ws, now)) continue;
    try {
      ws.send(text);
    } catch {
      // Closing; its close handler cleans up.
    }
  }
}

/** Set by the Worker (never taken from the client) on an upgrade it forwards to a report actor. */
export const EXPIRES_HEADER = 'x-doorbell-token-expires';

/** Set by the Worker on an upgrade it forwards to an agent's actor: whose actor it is. */
export const AGENT_HEADER = 'x-doorbell-agent';

/** The upgrade a Worker route forwards to a report actor, carrying when the caller's token expires. */
export function forwardReportUpgrade(request: Request, expiresAt: number): Request {
  const forwarded = new Request(request.url, { headers: request.headers });
  forwarded.headers.set(EXPIRES_HEADER, String(expiresAt));
  return forwarded;
}

/**
 * The socket of an actor that only reports (an inbox, a calendar): a snapshot on connect,
 * then broadcasts. Clients act through the HTTP API.
 */
export function acceptReportSocket(ctx: DurableObjectState, request: Request, snapshot: unknown): Response {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return Response.json(errorEnvelope('upgrade_required', 'Expected a WebSocket upgrade.'), { status: 426 });
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.serializeAttachment({ expiresAt: Number(request.headers.get(EXPIRES_HEADER) ?? 'NaN') || Number.POSITIVE_INFINITY } satisfies ExpiringAttachment);
  server.send(JSON.stringify(snapshot));
  return new Response(null, { status: 101, webSocket: client });
}

export const READ_ONLY_FRAME = JSON.stringify({
  type: 'error',
  code: 'read_only',
  message: 'This socket only reports; use the HTTP API to act.',
} satisfies ErrorFrame);
