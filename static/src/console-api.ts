// The agent console's way to the server: HTTP calls with the agent's token (errors carry the
// API's envelope message), the token kept for the browser tab, and the report sockets
// (inbox, calendar) that reconnect with back-off.
import { ApiError, envelopeOf } from './chat-client';

export { ApiError };

export type Agent = {
  id: string;
  slug: string;
  name: string;
  email: string;
  avatarUrl: string | null;
  /** What the booking page shows under the agent's name. */
  description: string;
  license: 'basic' | 'standard' | 'premium';
  licensed: boolean;
  timeZone: string;
};

const KEY = 'doorbell:console:token';

/** sessionStorage: the token lives as long as the tab, and another tab signs in on its own. */
export const savedToken = (): string | null => {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
};
export const saveToken = (token: string | null) => {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    /* storage blocked: the sign-in lasts until the page is reloaded */
  }
};

/** The token's `exp` (ms), read without verifying: only to warn before the server refuses it. */
export function tokenExpiry(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

export class AgentApi {
  /** Called when the server says the token no longer works (401), to sign out. */
  onUnauthorized: (message: string) => void = () => {};

  constructor(readonly base: string, readonly token: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
    }
    if (res.status === 204) return undefined as T;
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const failure = envelopeOf(json);
      const error = new ApiError(res.status, failure?.code ?? 'http', failure?.message ?? `The server answered HTTP ${res.status}.`);
      (error as ApiError & { details?: unknown }).details = failure?.details;
      if (res.status === 401) this.onUnauthorized(error.message);
      throw error;
    }
    return json as T;
  }

  socketUrl(path: string, query: Record<string, string | number> = {}): string {
    const params = new URLSearchParams({ token: this.token, ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    return `${this.base.replace(/^http/, 'ws')}${path}?${params}`;
  }
}

/** The message to show a person for any failure. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export type LiveState = 'connecting' | 'online' | 'offline' | 'stopped';

const PING = '{"type":"ping"}';

/**
 * A socket that only reports (docs/protocol.md, "Inbox socket"; the calendar socket works the
 * same way): every (re)connect starts with a snapshot, so there is nothing to resume. Reconnects
 * with back-off (1 s doubling to 30 s, with jitter) and pings every 30 s.
 */
export class LiveFeed<Frame extends { type: string }> {
  state: LiveState = 'connecting';
  /** Seconds until the next attempt, while offline. */
  retryIn = 0;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private url: () => string,
    private onFrame: (frame: Frame) => void,
    private onState: (state: LiveState) => void,
  ) {
    addEventListener('online', this.onOnline);
  }
  private onOnline = () => this.state === 'offline' && this.connect();

  connect() {
    if (this.state === 'stopped') return;
    this.clearTimers();
    this.ws?.close();
    if (this.state !== 'offline') this.setState('connecting');
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      if (frame.type === 'pong') return;
      if (this.state !== 'online') (this.attempt = 0), this.setState('online');
      this.onFrame(frame);
    };
    ws.onopen = () => this.ping();
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry();
    };
  }

  stop() {
    this.setState('stopped');
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.clearTimers();
    removeEventListener('online', this.onOnline);
  }

  private retry() {
    if (this.state === 'stopped') return;
    this.clearTimers();
    const delay = Math.min(30_000, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryIn = Math.ceil(delay / 1000);
    this.setState('offline');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private ping() {
    this.pingTimer = setTimeout(() => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      this.ws.send(PING);
      this.ping();
    }, 30_000);
  }

  private clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.pingTimer);
  }

  private setState(state: LiveState) {
    this.state = state;
    this.onState(state);
  }
}
