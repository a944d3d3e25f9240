// Two reference peers for the fan-out benchmark, on the same local runtime as Doorbell:
// - Relay: accepts sockets with the hibernation API and forwards each frame to the other
//   sockets of its room. No storage, no rules, no auth: the platform's own floor.
// - StoringRelay: the same, but each frame is first written to the object's SQLite, as
//   Doorbell stores every message before delivering it. The gap between the two is what
//   storage costs; the gap between StoringRelay and Doorbell is what the product adds.
// With ?ack, the storing relay also answers each frame's sender as Doorbell acknowledges a
// stored message ({"type":"ack","clientId":…,"seq":…}), so a closed loop can drive it
// (bench/scenarios/busy.mjs).
// Routes: /relay/{room} and /stored/{room} (WebSocket upgrades); anything else answers "ok".
import { DurableObject } from 'cloudflare:workers';

export class Relay extends DurableObject {
  async fetch(request) {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ ack: new URL(request.url).searchParams.has('ack') });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    const seq = this.keep(message);
    for (const other of this.ctx.getWebSockets()) {
      if (other === ws) continue;
      try {
        other.send(message);
      } catch {
        // Closing: its close handler runs next.
      }
    }
    // After the others, as Doorbell acknowledges once the entry went out.
    if (seq !== undefined && ws.deserializeAttachment()?.ack) {
      const { clientId } = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
      ws.send(JSON.stringify({ type: 'ack', clientId, seq }));
    }
  }

  /** Nothing is kept by the bare relay; the storing one answers the frame's seq. */
  keep() {
    return undefined;
  }

  async webSocketClose(ws, code, reason) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }
}

export class StoringRelay extends Relay {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS frames (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, body TEXT NOT NULL)');
  }

  keep(message) {
    const body = typeof message === 'string' ? message : new TextDecoder().decode(message);
    return this.ctx.storage.sql.exec('INSERT INTO frames (at, body) VALUES (?, ?) RETURNING seq', Date.now(), body).one().seq;
  }
}

export default {
  async fetch(request, env) {
    const match = /^\/(relay|stored)\/([\w-]{1,64})$/.exec(new URL(request.url).pathname);
    if (!match || request.headers.get('upgrade') !== 'websocket') return new Response('ok');
    const namespace = match[1] === 'relay' ? env.RELAY : env.STORING_RELAY;
    return namespace.get(namespace.idFromName(match[2])).fetch(request);
  },
};
