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
  const bytes = utf8Bytes(text);
  const now = Date.now();
  for (const ws of sockets) {
    if (ws === except || closeIfExpired(ws, now)) continue;
    deliver(ws, text, bytes);
  }
}

/**
 * How much a client may leave unread on a metered socket (docs/protocol.md, "Reading and
 * marks"). The runtime shows a Durable Object nothing of a socket's send queue: workerd has no
 * `bufferedAmount` (cloudflare/workerd#988) and `send` neither blocks nor fails, so a client
 * that stops reading makes the runtime hold whatever is sent to it. Only the client can tell
 * what it read, and only a token it read can prove it: a seq can be guessed, or learnt over
 * HTTP or another socket.
 */
export const SEND_WINDOW = {
  /** Bytes sent after the last mark the client answered, beyond which the socket is closed. */
  unreadBytes: 1024 * 1024,
  /** A mark goes out after this many bytes since the last one. */
  markEvery: 64 * 1024,
  /** Marks still answerable: an older one's answer is ignored (a later answer covers it). */
  marksKept: 4,
} as const;

/** A metered socket's account, kept in its attachment so that it survives hibernation. */
export interface SendWindow {
  /** Bytes sent on the socket (frames' UTF-8 text), and how many of them the client acknowledged. */
  sent: number;
  acked: number;
  /** The latest marks not answered yet: the token and `sent` just after it. */
  marks: Array<[token: string, at: number]>;
}

/** An attachment with a `window` is metered; one without (report sockets) is not. */
export interface MeteredAttachment {
  window?: SendWindow;
}

export const newSendWindow = (): SendWindow => ({ sent: 0, acked: 0, marks: [] });

// Counted in memory per frame and written to the attachment with each mark and answer, so a
// wake from hibernation forgets at most the bytes since the last mark.
const windows = new WeakMap<WebSocket, SendWindow | null>();
const encoder = new TextEncoder();
const utf8Bytes = (text: string): number => (/^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).byteLength);

function windowOf(ws: WebSocket): SendWindow | null {
  let window = windows.get(ws);
  if (window === undefined) {
    window = (ws.deserializeAttachment() as MeteredAttachment | null)?.window ?? null;
    windows.set(ws, window);
  }
  return window;
}

function saveWindow(ws: WebSocket, window: SendWindow): void {
  ws.serializeAttachment({ ...(ws.deserializeAttachment() as object), window } satisfies MeteredAttachment);
}

function markToken(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(9)))).replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Sends one frame. On a metered socket, a frame that would leave the client more than
 * `unreadBytes` unacknowledged closes the socket with 4008 instead, so the runtime never holds
 * more than that for it; every `markEvery` bytes a `mark` follows for the client to answer.
 */
export function deliver(ws: WebSocket, text: string, bytes = utf8Bytes(text)): void {
  try {
    const window = windowOf(ws);
    if (!window) return ws.send(text);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (window.sent + bytes - window.acked > SEND_WINDOW.unreadBytes) {
      // No error frame: the client is not reading, and it would only wait behind the rest.
      ws.close(CLOSE.notReading, 'not reading');
      return;
    }
    ws.send(text);
    window.sent += bytes;
    if (window.sent - (window.marks.at(-1)?.[1] ?? window.acked) < SEND_WINDOW.markEvery) return;
    const token = markToken();
    const mark = `{"type":"mark","mark":"${token}"}`;
    ws.send(mark);
    window.sent += mark.length;
    window.marks = [...window.marks, [token, window.sent] satisfies [string, number]].slice(-SEND_WINDOW.marksKept);
    saveWindow(ws, window);
  } catch {
    // Closing; its close handler cleans up.
  }
}

/** The client answered a mark: everything sent up to it was read. An unknown token changes nothing. */
export function acknowledge(ws: WebSocket, token: string): void {
  const window = windowOf(ws);
  const i = window?.marks.findIndex(([t]) => t === token) ?? -1;
  if (!window || i < 0) return;
  window.acked = window.marks[i]![1];
  window.marks = window.marks.slice(i + 1);
  saveWindow(ws, window);
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
export function acceptReportSocket(ctx: DurableObjectState, request: Request, snapshot: unknown, tags: string[] = []): Response {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return Response.json(errorEnvelope('upgrade_required', 'Expected a WebSocket upgrade.'), { status: 426 });
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, tags);
  server.serializeAttachment({ expiresAt: Number(request.headers.get(EXPIRES_HEADER) ?? 'NaN') || Number.POSITIVE_INFINITY } satisfies ExpiringAttachment);
  server.send(JSON.stringify(snapshot));
  return new Response(null, { status: 101, webSocket: client });
}

export const READ_ONLY_FRAME = JSON.stringify({
  type: 'error',
  code: 'read_only',
  message: 'This socket only reports; use the HTTP API to act.',
} satisfies ErrorFrame);
