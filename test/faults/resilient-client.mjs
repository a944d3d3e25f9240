// A conversation client that behaves as the widget and console do: every message has a
// client id and stays pending until acknowledged; a dropped socket reconnects by itself,
// resumes after the last sequence number it holds without a gap, and resends what is pending.
import { conversationSocketUrl, FrameSocket } from '../support/client.mjs';

const OPEN_TIMEOUT_MS = 10_000;
const RESEND_PER_SECOND = 40;

export class ResilientClient {
  constructor(base, conversationId, token, name) {
    Object.assign(this, { base, conversationId, token, name });
    this.seen = new Map(); // seq → entry
    this.pending = new Map(); // clientId → text, until acknowledged
    this.acked = new Map(); // clientId → seq
    this.errors = [];
    this.refused = [];
    this.rateLimited = 0;
    this.resending = false;
    this.hung = 0; // upgrades that never answered: counted, since a healthy server answers them all
    this.sent = 0;
    this.stopped = false;
    this.connections = 0;
    this.socket = null;
    this.listeners = new Set();
  }

  /** The highest seq such that every entry up to it has been seen: where to resume. */
  contiguous() {
    let n = 0;
    while (this.seen.has(n + 1)) n += 1;
    return n;
  }

  async connect() {
    while (!this.stopped) {
      const socket = new FrameSocket(conversationSocketUrl(this.base, this.conversationId, this.token, this.contiguous()));
      socket.onFrame = (frame) => this.receive(frame);
      try {
        // Like the widget: an upgrade that hangs is abandoned and tried again.
        await Promise.race([socket.opened, new Promise((_, reject) => setTimeout(() => reject(new Error('upgrade timed out')), OPEN_TIMEOUT_MS))]);
      } catch (e) {
        socket.terminate();
        if (e.message === 'upgrade timed out') this.hung += 1;
        // The server is down or restarting: try again shortly.
        this.refused.push(e.status ?? e.code ?? e.message);
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      this.socket = socket;
      this.connections += 1;
      socket.closed.then(() => {
        if (this.socket === socket) this.socket = null;
        if (!this.stopped) setTimeout(() => this.connect(), Math.random() * 200);
      });
      this.resendPending(socket);
      return;
    }
  }

  receive(frame) {
    if (frame.type === 'entry') this.seen.set(frame.entry.seq, frame.entry);
    else if (frame.type === 'ack') {
      this.acked.set(frame.clientId, frame.seq);
      this.pending.delete(frame.clientId);
    } else if (frame.type === 'error' && frame.code === 'rate_limited') {
      // The protocol allows 50 frames a second: what was refused is still pending; send it again, slower.
      this.rateLimited += 1;
      setTimeout(() => this.socket && this.resendPending(this.socket), 1000);
    } else if (frame.type === 'error') this.errors.push(frame);
    for (const listener of this.listeners) listener();
  }

  send() {
    this.sent += 1;
    const clientId = `${this.name}-${this.sent}`;
    const text = `message ${this.sent} from ${this.name}`;
    this.pending.set(clientId, text);
    if (this.socket?.open) this.socket.send({ type: 'send', clientId, text });
    return clientId;
  }

  /** Sends again what is pending (after a reconnect, or a rate limit), paced under the protocol's limit. */
  async resendPending(socket) {
    if (this.resending) return;
    this.resending = true;
    try {
      for (const [clientId, text] of [...this.pending]) {
        if (this.stopped || this.socket !== socket || !socket.open) return;
        if (!this.pending.has(clientId)) continue;
        socket.send({ type: 'send', clientId, text });
        await new Promise((r) => setTimeout(r, 1000 / RESEND_PER_SECOND));
      }
    } finally {
      this.resending = false;
    }
  }

  /** Cuts the connection with no close frame; the client reconnects on its own. */
  drop() {
    this.socket?.terminate();
  }

  /** Resolves when `condition()` holds, re-checked on every frame. */
  until(condition, what, ms = 30_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`${this.name}: ${what} not reached within ${ms} ms (${this.describe()})`));
      }, ms);
      this.listeners.add(check);
      check();
    });
  }

  /** Where the client stands, for failure messages. */
  describe() {
    return `connected: ${Boolean(this.socket?.open)}, connections: ${this.connections}, refused upgrades: ${this.refused.length} (last: ${this.refused.at(-1)}), hung upgrades: ${this.hung}, pending: ${[...this.pending.keys()].slice(0, 5).join(' ')}${this.pending.size > 5 ? '…' : ''}, last seq held: ${this.contiguous()}, rate-limited: ${this.rateLimited}, errors: ${JSON.stringify(this.errors.slice(-3))}`;
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
  }
}
