/** Completes the closing handshake a client started (the runtime leaves it to us). */
export function completeClose(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005 and 1006 say no code was given or the connection dropped; neither may be sent.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}

/** Sends one frame to every socket; a socket that is closing is left to its close handler. */
export function broadcast(sockets: WebSocket[], frame: unknown, except?: WebSocket): void {
  const text = JSON.stringify(frame);
  for (const ws of sockets) {
    if (ws === except) continue;
    try {
      ws.send(text);
    } catch {
      // Closing; its close handler cleans up.
    }
  }
}

/**
 * The socket of an actor that only reports (an inbox, a calendar): a snapshot on connect,
 * then broadcasts. Clients act through the HTTP API.
 */
export function acceptReportSocket(ctx: DurableObjectState, request: Request, snapshot: unknown): Response {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return Response.json({ error: { code: 'upgrade_required', message: 'Expected a WebSocket upgrade.' } }, { status: 426 });
  }
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server);
  server.send(JSON.stringify(snapshot));
  return new Response(null, { status: 101, webSocket: client });
}

export const READ_ONLY_FRAME = JSON.stringify({
  type: 'error',
  code: 'read_only',
  message: 'This socket only reports; use the HTTP API to act.',
});
