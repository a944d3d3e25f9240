import { exports } from 'cloudflare:workers';
import { BASE } from './helpers';

/** A WebSocket client of the Worker that records every frame it receives. */
export class TestSocket {
  readonly frames: any[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  /** Answer the server's marks, as every client must (docs/protocol.md); off to play one that does not read. */
  answersMarks = true;
  /** UTF-8 bytes of every frame received. */
  bytes = 0;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const text = String(event.data);
      const frame = JSON.parse(text);
      this.bytes += new TextEncoder().encode(text).byteLength;
      this.frames.push(frame);
      if (frame.type === 'mark' && this.answersMarks) this.send({ type: 'received', mark: frame.mark });
      this.wake();
    });
    ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake();
    });
  }

  static async open(path: string, token: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const url = `${BASE}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    const response = await exports.default.fetch(new Request(url, { headers: { upgrade: 'websocket', ...headers } }));
    if (!response.webSocket) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
    response.webSocket.accept();
    return new TestSocket(response.webSocket);
  }

  static async refused(path: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${BASE}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    return exports.default.fetch(new Request(url, { headers: { upgrade: 'websocket', ...headers } }));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for a frame matching `predicate` that arrived after `from` (an index into frames). */
  async next(predicate: (frame: any) => boolean, from = 0, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed ${JSON.stringify(this.closed)} while waiting; frames: ${JSON.stringify(this.frames)}`);
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  entries(): any[] {
    return this.frames.filter((f) => f.type === 'entry').map((f) => f.entry);
  }

  close(): void {
    this.ws.close(1000, 'done');
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
