// A client of the running product from Node, for the fault suite and benchmarks: JSON over
// HTTP, and WebSockets (the `ws` package, so a test can cut a connection without a close
// handshake and send bytes no browser would).
import WebSocket from 'ws';

/** `call(method, path, {body, headers, raw})` against `base`; bodies are JSON unless `raw`. */
export function httpClient(base) {
  return async function call(method, path, { body, headers = {}, raw } = {}) {
    const init = { method, headers: { ...headers } };
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

/** A guest with a token, as the guest pages make one. */
export async function newGuest(call, name, email) {
  const r = await call('POST', '/api/guests', { body: email ? { name, email } : { name } });
  if (r.status !== 201) throw new Error(`guest creation failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.guest.id, token: r.body.token, headers: bearer(r.body.token) };
}

/** A socket that records every frame it receives; `waitFor` resolves with the first match. */
export class FrameSocket {
  constructor(url, { origin, headers } = {}) {
    this.frames = [];
    this.waiters = new Set();
    this.ws = new WebSocket(url, { origin, headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    /** Called with every frame as it arrives, for clients that keep their own state. */
    this.onFrame = () => {};
    /** Answer the server's marks, as every client must (docs/protocol.md); off to play one that does not read. */
    this.answersMarks = true;
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'mark' && this.answersMarks) this.send({ type: 'received', mark: frame.mark });
      this.frames.push(frame);
      this.onFrame(frame);
      for (const check of this.waiters) check();
    });
    this.ws.on('error', () => {});
  }

  waitFor(match, what, ms = 10_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (this.waiters.delete(check), reject(new Error(`no ${what} within ${ms} ms`))), ms);
      const check = () => {
        const frame = this.frames.find(match);
        if (frame) (clearTimeout(timer), this.waiters.delete(check), resolve(frame));
      };
      this.waiters.add(check);
      check();
    });
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data, binary = false) {
    this.ws.send(data, { binary });
  }

  /** Cuts the connection with no close frame, as a lost network does. */
  terminate() {
    this.ws.terminate();
  }

  close() {
    this.ws.close();
  }
}

/** The conversation socket URL for a token, resuming after `since` when given. */
export const conversationSocketUrl = (base, id, token, since) =>
  `${base.replace(/^http/, 'ws')}/api/conversations/${id}/socket?token=${encodeURIComponent(token)}${since === undefined ? '' : `&since=${since}`}`;
