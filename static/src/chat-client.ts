// One side of a conversation, without any DOM: the token (a guest's, kept per target, or an
// agent's), history over HTTP, the WebSocket with resume and back-off, pending messages until
// their ack, typing and read positions. Used by the guest pages and the widget for guests and
// by the agent console for agents (docs/protocol.md is the contract). The frame and view
// types are the server's own (type-only imports, erased by esbuild).
import type { ErrorCode, ErrorEnvelope } from '../../src/errors';
import type { ClientFrame, ConversationView, Entry, ParticipantView, ServerFrame } from '../../src/conversation/protocol';
import type { Availability } from '../../src/directory/availability';
import type { Language as Lang } from '../../src/directory/languages';
import type { PrechatForm } from '../../src/directory/prechat';

export type { Availability, ConversationView, Entry, ParticipantView };

/**
 * Whom the guest talks to. `invite`: a conversation joined through an invite link (C7), whose
 * slug is the invite itself; it is never started with POST /api/conversations.
 */
export type Target = { kind: 'agent' | 'service' | 'invite'; slug: string; widget?: boolean };
/** A file chosen for a message: its bytes (maybe made smaller, chat-files.ts) and the name it is sent under. */
export type Staged = { file: Blob; name: string };
/** A file on its way: `loaded` bytes sent so far; `id` once the server stored it. */
export type Upload = Staged & { loaded: number; id?: string };
/** `note`: an agent's private note (console only). `files`: uploads the message waits for. */
export type Pending = { clientId: string; text: string; note?: boolean; files?: Upload[] };
/** idle: no conversation yet; connecting: first attempt; online; offline: retrying; closed: access lost. */
export type State = 'idle' | 'connecting' | 'online' | 'offline' | 'closed';
/** `progress`: only the bytes sent of some upload moved. */
export type Change = 'entries' | 'state' | 'view' | 'typing' | 'guest' | 'error' | 'availability' | 'progress' | 'card';
/** The target's public card (GET /api/public/{kind}s/{slug}). */
export type Card = {
  name: string;
  avatarUrl: string | null;
  availability?: Availability;
  /** A service's (chat-prechat.ts). */
  prechat?: PrechatForm;
  /** A service's greeting per language. */
  greetings?: Partial<Record<Lang, string>>;
  /** A service's business hours and first response (chat-hours.ts); an agent's card has none. */
  hoursStatus?: 'open' | 'away' | 'closed';
  opensAt?: string | null;
  closesAt?: string | null;
  firstResponseSeconds?: number | null;
};
/**
 * Why the card could not be read (the widget's states, docs/widget.md): `not_allowed`, the page's
 * origin may not embed it (403); `unavailable`, no such target (404) or a server error (5xx);
 * `unreachable`, no answer at all; `rate_limited`, a 429. `retryAt`: when it is read again.
 */
export type Problem = { kind: 'not_allowed' | 'unavailable' | 'unreachable' | 'rate_limited'; retryAt?: number };

/**
 * The server's codes, and the client's own: `network`, no answer (or, from the conversation
 * client, one without the error envelope); `http`, an answer without the envelope (e.g. from a
 * proxy); `name_required`, refused here before asking the server.
 */
export type ClientErrorCode = ErrorCode | 'network' | 'http' | 'name_required';

/** The error envelope of a failed answer's body, if it has one. */
export const envelopeOf = (json: unknown): Partial<ErrorEnvelope['error']> | undefined => (json as Partial<ErrorEnvelope> | null)?.error;

export class ApiError extends Error {
  /**
   * `problems`: each field a 400 `invalid_request` names (a pre-chat answer, say), from its details;
   * `retryAfter`: seconds to wait, from a 429's envelope or Retry-After header.
   */
  constructor(readonly status: number, readonly code: ClientErrorCode, message: string, readonly problems: { path: string; message: string }[] = [], readonly retryAfter?: number) {
    super(message);
  }
}

/** The wait a refusal asks for, in seconds: its envelope's `details.retryAfter`, else its Retry-After header (seconds). */
const retryAfterOf = (res: Response, failure: Partial<ErrorEnvelope['error']> | undefined): number | undefined => {
  const s = Number((failure?.details as { retryAfter?: unknown } | undefined)?.retryAfter ?? res.headers.get('retry-after') ?? NaN);
  return Number.isFinite(s) && s >= 0 ? Math.ceil(s) : undefined;
};

/** A refused or failed upload: which file, and for a 413 the server's limit in bytes. */
export class FileError extends ApiError {
  constructor(status: number, code: ClientErrorCode, message: string, readonly file: string, readonly limit?: number) {
    super(status, code, message);
  }
}

/** The `send` frame of a pending message, with its files' ids once they are all stored. */
const sendFrameOf = (p: Pending): ClientFrame => ({
  type: 'send',
  clientId: p.clientId,
  text: p.text,
  ...(p.note ? { note: true } : {}),
  ...(p.files ? { attachments: p.files.map((f) => f.id!) } : {}),
});
const uploaded = (p: Pending) => !p.files || p.files.every((f) => f.id);

/** `identified`: the guest of a site's user (identify), forgotten when the site says nobody is logged in. */
type Stored = { token: string; guest: { id: string; name: string }; identified?: true };

const PING = '{"type":"ping"}';
/** How often a page without a live socket reads the card again (docs/protocol.md "Availability"). */
const CARD_MS = 30_000;
/** 1 s doubling to 30 s, with jitter (protocol.md, "Resuming after a disconnect"). */
const backoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);

export class ConversationClient {
  guest: Stored['guest'] | null = null;
  conversationId: string | null = null;
  view: ConversationView | null = null;
  entries: Entry[] = [];
  pending: Pending[] = [];
  state: State = 'idle';
  /** Who is typing now (id → name); cleared after 6 s without news. */
  typing = new Map<string, string>();
  error: ClientErrorCode | null = null;
  /** Seconds until the next reconnect attempt, while offline; `retryAt` is when (epoch ms). */
  retryIn = 0;
  retryAt = 0;
  /** When a `rate_limited` error may be tried again (epoch ms). */
  limitedUntil = 0;
  /** The target's card once read by loadCard(), or why it could not be. */
  card: Card | null = null;
  problem: Problem | null = null;
  /** Whether the guest is looking at the timeline (read positions, unread count). */
  visible = true;
  /** Told to the agents with the first message: 'widget' when embedded, else one of our pages. */
  channel: 'widget' | 'page' = 'page';
  /** Whether a reply may come soon: from the socket while it is online, else from the card. */
  availability: Availability | null = null;
  /** Each agent participant's availability, as the socket last said. */
  agentAvailability = new Map<string, Availability>();

  private token: string | null = null;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private listeners = new Set<(what: Change) => void>();
  private readSent = 0;
  private typingSentAt = 0;
  private key: string;
  /** Signed file URLs already asked for (they last 10 minutes), by attachment id. */
  private urls = new Map<string, { url: string; expiresAt: number }>();

  constructor(readonly base: string, readonly target: Target, private storage: Storage = localStorage) {
    // Keys carry the server origin, so a widget on a host page never mixes two servers.
    this.key = `doorbell:${new URL(base).origin}:`;
    addEventListener('online', this.onOnline);
  }
  private onOnline = () => this.state === 'offline' && this.connect();

  on(listener: (what: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private emit(what: Change) {
    for (const l of this.listeners) l(what);
  }

  /** The card was refused for good (403, 404): this target takes no messages here. */
  get refused(): boolean {
    return !!this.problem && !this.problem.retryAt;
  }

  get lastSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1]!.seq : 0;
  }

  /** Messages from others after the guest's read position. */
  get unread(): number {
    const me = this.view?.participants.find((p) => p.id === this.guest?.id);
    const read = Math.max(me?.readSeq ?? 0, this.readSent);
    return this.entries.filter((e) => e.kind === 'message' && e.seq > read && e.author.id !== this.guest?.id).length;
  }

  private read<T>(name: string): T | null {
    try {
      return JSON.parse(this.storage.getItem(this.key + name) ?? 'null');
    } catch {
      return null;
    }
  }
  private write(name: string, value: unknown) {
    try {
      if (value === null) this.storage.removeItem(this.key + name);
      else this.storage.setItem(this.key + name, JSON.stringify(value));
    } catch {
      /* storage full or blocked: the conversation still works for this visit */
    }
  }
  private get convKey() {
    return `conversation:${this.target.kind}:${this.target.slug}`;
  }

  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch(() => {
      throw new ApiError(0, 'network', '');
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const failure = envelopeOf(json);
      const problems = (failure?.details as { problems?: { path: string; message: string }[] } | undefined)?.problems;
      throw new ApiError(res.status, failure?.code ?? 'network', failure?.message ?? `HTTP ${res.status}`, problems, retryAfterOf(res, failure));
    }
    return json as T;
  }

  /** Restores the guest and, when there is one, their conversation with this target (C2). */
  async init(): Promise<void> {
    const stored = this.read<Stored>('guest');
    if (stored) {
      this.token = stored.token;
      this.guest = stored.guest;
    }
    this.conversationId = this.read<string>(this.convKey);
    this.emit('guest');
    if (!this.conversationId || !this.token) return;
    try {
      await this.load();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 401)) {
        // The server no longer knows this conversation (or this guest): start afresh.
        if (e.status === 401) this.forget();
        this.conversationId = null;
        this.write(this.convKey, null);
        this.emit('guest');
        return;
      }
      // Network trouble: the socket's retries will bring the history.
    }
    this.connect();
  }

  /**
   * Opens a conversation by id for someone who already holds a token, e.g. an agent in the
   * console: `me` takes the place of the guest (their messages are "mine"), and nothing is
   * read from or written to storage. API errors (404 for no access) are thrown.
   */
  async open(token: string, me: { id: string; name: string }, conversationId: string): Promise<void> {
    this.token = token;
    this.guest = me;
    this.conversationId = conversationId;
    this.emit('guest');
    await this.load();
    this.connect();
  }

  private async load() {
    this.view = await this.api<ConversationView>('GET', `/api/conversations/${this.conversationId}`);
    for (let more = true; more; ) {
      const page = await this.api<{ entries: Entry[] }>('GET', `/api/conversations/${this.conversationId}/messages?after=${this.lastSeq}&limit=200`);
      this.add(page.entries);
      more = page.entries.length === 200;
    }
    this.emit('view');
  }

  /**
   * Reads the target's card until it answers (the widget, which shows its states meanwhile):
   * no answer, a 5xx or a 429 is retried with the socket's back-off (a 429 after the wait it
   * asks for); a 403 (origin not allowed, also when CORS itself is refused) or 404 (no such
   * target) is final, and gives null.
   */
  async loadCard(): Promise<Card | null> {
    const path = `/api/public/${this.target.kind}s/${encodeURIComponent(this.target.slug)}`;
    for (let attempt = 0; ; attempt++) {
      try {
        this.card = await this.api<Card>('GET', path);
        this.problem = null;
        this.emit('card');
        return this.card;
      } catch (e) {
        // A site in no allowlist gets no CORS at all, so its page cannot read the 403: an opaque
        // request that does get an answer tells that refusal from a server that gives none.
        const corsRefused = e instanceof ApiError && !e.status && (await fetch(this.base + path, { mode: 'no-cors' }).then(() => true, () => false));
        const status = corsRefused ? 403 : e instanceof ApiError ? e.status : 0;
        const kind = status === 403 ? 'not_allowed' : status === 429 ? 'rate_limited' : status ? 'unavailable' : 'unreachable';
        const final = status === 403 || (status >= 400 && status < 500 && status !== 429);
        const wait = status === 429 && e instanceof ApiError && e.retryAfter !== undefined ? e.retryAfter * 1000 : backoff(attempt);
        this.problem = final ? { kind } : { kind, retryAt: Date.now() + wait };
        this.emit('card');
        if (final) return null;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /**
   * Keeps `availability` fresh while no socket brings it: the public card is read again every
   * CARD_MS while the guest can see it (a hidden tab or a closed widget reads nothing).
   */
  watchCard(initial: Availability | undefined) {
    if (initial) this.setAvailability(initial);
    const kind = this.target.kind;
    if (kind === 'invite') return;
    const check = async () => {
      // The socket's word wins: it is fresher than any card, also one read while it connected.
      const live = () => this.state === 'online';
      if (!live() && this.visible && document.visibilityState === 'visible') {
        const card = await this.api<{ availability: Availability }>('GET', `/api/public/${kind}s/${encodeURIComponent(this.target.slug)}`).catch(() => null);
        if (card && !live()) this.setAvailability(card.availability);
      }
      this.later('card', CARD_MS, check);
    };
    this.later('card', CARD_MS, check);
  }

  private setAvailability(availability: Availability) {
    this.availability = availability;
    this.emit('availability');
  }

  /** Stops for good: closes the socket, clears every timer and listener (the console moved on). */
  dispose() {
    this.state = 'closed';
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    for (const name of [...this.timers.keys()]) this.clear(name);
    this.listeners.clear();
    removeEventListener('online', this.onOnline);
  }

  /**
   * Joins the conversation of an invite link (target kind `invite`), becoming a guest first when
   * this browser is not one yet. The invite's conversation is remembered, so a guest who comes
   * back sees it on init().
   */
  async acceptInvite(intro?: { name: string; email?: string }): Promise<void> {
    if (!this.token) await this.becomeGuest(intro);
    const view = await this.api<ConversationView>('POST', '/api/invites/accept', { invite: this.target.slug }).catch((e) => {
      // A guest token the server no longer takes: forget it, so the guest can join afresh.
      if (e instanceof ApiError && e.status === 401) this.forget();
      throw e;
    });
    this.conversationId = view.id;
    this.write(this.convKey, view.id);
    await this.load();
    this.connect();
  }

  /**
   * Becomes the guest of the user a site's user token names, with that user's conversation
   * with this service (docs/widget.md "Identified visitors"); null: nobody is logged in, so an
   * identified guest is forgotten (an anonymous one stays). A refused token forgets an
   * identified guest too: whoever is at this browser now must not see the last user's history.
   */
  async identify(userToken: string | null): Promise<void> {
    const stored = this.read<Stored>('guest');
    let made: { guest: Stored['guest']; token: string; conversation: string | null } | null = null;
    try {
      if (userToken !== null) {
        if (this.target.kind !== 'service') throw new ApiError(400, 'invalid_request', 'Identified visitors need a widget with data-service.');
        made = await this.api('POST', '/api/guests/identify', { target: { kind: 'service', slug: this.target.slug }, token: userToken });
      }
    } finally {
      if (!made && stored?.identified) this.switchTo(null, null);
    }
    if (!made) return;
    if (made.guest.id !== stored?.guest.id) this.switchTo({ token: made.token, guest: { id: made.guest.id, name: made.guest.name }, identified: true }, made.conversation);
    // The same user, who started the conversation in another browser since this one last saw it.
    else if (made.conversation && made.conversation !== this.conversationId) {
      this.conversationId = made.conversation;
      this.write(this.convKey, made.conversation);
    } else return;
    if (this.conversationId) {
      await this.load();
      this.connect();
    }
  }

  /** Leaves the current guest and conversation behind (socket, timeline, timers) for another guest, or none. */
  private switchTo(guest: Stored | null, conversationId: string | null) {
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    for (const name of [...this.timers.keys()]) if (name !== 'card') this.clear(name);
    this.entries = [];
    this.pending = [];
    this.view = null;
    this.readSent = 0;
    this.attempt = 0;
    this.typing.clear();
    this.token = guest?.token ?? null;
    this.guest = guest?.guest ?? null;
    this.write('guest', guest);
    this.conversationId = conversationId;
    this.write(this.convKey, conversationId);
    this.setState('idle');
    this.emit('guest');
  }

  private async becomeGuest(intro?: { name: string; email?: string }): Promise<void> {
    if (!intro?.name.trim()) throw new ApiError(400, 'name_required', 'name');
    const made = await this.api<Stored>('POST', '/api/guests', { name: intro.name.trim(), ...(intro.email?.trim() ? { email: intro.email.trim() } : {}) });
    this.token = made.token;
    this.guest = made.guest;
    this.write('guest', { token: made.token, guest: { id: made.guest.id, name: made.guest.name } });
    this.emit('guest');
  }

  private forget() {
    this.token = null;
    this.guest = null;
    this.write('guest', null);
  }

  /**
   * Sends a message; the first one creates the guest (with their name) and the conversation.
   * `note`: a private note instead, for an agent in a conversation that exists. `files` are
   * uploaded first (docs/attachments.md); the first message of a conversation is text only, so
   * files given with it follow it as a message of their own. A refused upload throws a
   * FileError and sends nothing.
   */
  async send(text: string, intro?: { name: string; email?: string; answers?: Record<string, string> }, note = false, files: Staged[] = []): Promise<void> {
    text = text.trim();
    if (!text && !(files.length && this.conversationId)) return;
    const clientId = `g-${crypto.randomUUID()}`;
    const pending: Pending = note ? { clientId, text, note } : { clientId, text };
    if (files.length && this.conversationId) pending.files = files.map((f) => ({ ...f, loaded: 0 }));
    this.pending.push(pending);
    this.setError(null);
    this.emit('entries');
    if (this.conversationId) {
      if (pending.files) await this.uploadAll(pending);
      this.sendFrame(sendFrameOf(pending));
      return;
    }
    try {
      if (!this.token) await this.becomeGuest(intro);
      const started = await this.api<{ conversation: ConversationView }>('POST', '/api/conversations', { target: this.target, clientId, text, context: startContext(this.channel), ...(intro?.answers ? { answers: intro.answers } : {}) });
      this.view = started.conversation;
      this.conversationId = started.conversation.id;
      this.write(this.convKey, this.conversationId);
      this.emit('view');
      this.connect();
    } catch (e) {
      this.pending = this.pending.filter((p) => p.clientId !== clientId);
      this.emit('entries');
      this.limitedUntil = e instanceof ApiError && e.code === 'rate_limited' ? Date.now() + (e.retryAfter ?? 1) * 1000 : 0;
      this.setError(e instanceof ApiError ? e.code : 'network');
      throw e;
    }
    if (files.length) await this.send('', undefined, false, files);
  }

  private async uploadAll(pending: Pending) {
    try {
      await Promise.all(pending.files!.map(async (f) => (f.id = await this.upload(pending.clientId, f))));
    } catch (e) {
      this.pending = this.pending.filter((p) => p !== pending);
      this.emit('entries');
      throw e;
    }
  }

  /** One file, with XMLHttpRequest for its upload progress (fetch has none); resolves to its id. */
  private upload(clientId: string, f: Upload): Promise<string> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const query = `clientId=${encodeURIComponent(clientId)}&name=${encodeURIComponent(f.name)}`;
      xhr.open('POST', `${this.base}/api/conversations/${this.conversationId}/attachments?${query}`);
      xhr.setRequestHeader('authorization', `Bearer ${this.token}`);
      xhr.upload.onprogress = (e) => {
        f.loaded = e.loaded;
        this.emit('progress');
      };
      xhr.onload = () => {
        let json: unknown = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          /* no JSON: reported below by its status */
        }
        if (xhr.status === 201) return resolve((json as { id: string }).id);
        const failure = envelopeOf(json);
        const limit = (failure?.details as { limit?: number } | undefined)?.limit;
        reject(new FileError(xhr.status, failure?.code ?? 'http', failure?.message ?? `HTTP ${xhr.status}`, f.name, limit));
      };
      xhr.onerror = () => reject(new FileError(0, 'network', 'network', f.name));
      // Sent without a Content-Type: the server types a file from its bytes and name, and an
      // operating system's guess (Windows calls .csv files Excel ones) would only be refused as a mismatch.
      xhr.send(f.file.slice(0, f.file.size, ''));
    });
  }

  /** A signed URL to show or download a file of this conversation, asked again once near its expiry. */
  async fileUrl(attachmentId: string): Promise<string> {
    const known = this.urls.get(attachmentId);
    if (known && known.expiresAt - Date.now() > 60_000) return known.url;
    const got = await this.api<{ url: string; expiresAt: string }>('GET', `/api/conversations/${this.conversationId}/attachments/${attachmentId}`);
    const url = new URL(got.url, this.base).href;
    this.urls.set(attachmentId, { url, expiresAt: Date.parse(got.expiresAt) });
    return url;
  }

  private setError(code: ClientErrorCode | null) {
    this.error = code;
    this.emit('error');
  }

  private sendFrame(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN || this.state !== 'online') return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  setTyping(typing: boolean) {
    const now = Date.now();
    // typing:true at most every 3 s (the other side hides it after 6 s of silence).
    if (typing && now - this.typingSentAt < 3000) return;
    if (!typing && !this.typingSentAt) return;
    if (this.sendFrame({ type: 'typing', typing })) this.typingSentAt = typing ? now : 0;
  }

  /**
   * Rates the resolution the view asks about (a guest only); the server's answer is a new
   * view with the rating, or an error frame (`already_rated`, `rating_closed`).
   */
  rate(score: number, comment: string): boolean {
    const resolution = this.view?.rating?.resolution;
    if (resolution === undefined) return false;
    this.setError(null);
    return this.sendFrame({ type: 'rate', resolution, score, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  }

  /** Moves the guest's read position to the end, when they can see it. */
  markRead() {
    const seq = this.lastSeq;
    if (!this.visible || seq <= this.readSent) return;
    if (this.sendFrame({ type: 'read', seq })) this.readSent = seq;
    this.emit('entries');
  }

  connect() {
    if (!this.conversationId || !this.token || this.state === 'closed') return;
    this.clear('retry');
    this.ws?.close();
    if (this.state !== 'offline') this.setState('connecting');
    const wsBase = this.base.replace(/^http/, 'ws');
    const ws = new WebSocket(`${wsBase}/api/conversations/${this.conversationId}/socket?token=${encodeURIComponent(this.token)}&since=${this.lastSeq}`);
    this.ws = ws;
    ws.onmessage = (event) => this.onFrame(JSON.parse(String(event.data)) as ServerFrame);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clear('ping');
      this.clear('pong');
      if (event.code === 4003) {
        this.setState('closed');
        return;
      }
      this.retry();
    };
  }

  private retry() {
    const delay = backoff(this.attempt);
    this.attempt++;
    this.retryIn = Math.ceil(delay / 1000);
    this.retryAt = Date.now() + delay;
    this.setState('offline');
    this.later('retry', delay, () => this.connect());
  }

  private onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'welcome':
        this.view = frame.conversation;
        this.attempt = 0;
        this.setState('online');
        this.emit('view');
        this.heartbeat();
        break;
      case 'conversation':
        this.view = frame.conversation;
        this.emit('view');
        break;
      case 'entry':
        this.add([frame.entry]);
        if (frame.entry.author.id !== this.guest?.id) this.typing.delete(frame.entry.author.id), this.emit('typing');
        this.emit('entries');
        this.markRead();
        break;
      case 'entry_replaced':
        // An erased guest's message (docs/protocol.md "Erasure"): the same seq, now a tombstone.
        this.entries = this.entries.map((e) => (e.seq === frame.entry.seq ? frame.entry : e));
        this.emit('entries');
        break;
      case 'ack':
        this.pending = this.pending.filter((p) => p.clientId !== frame.clientId);
        this.emit('entries');
        break;
      case 'caught_up':
        this.resendPending();
        this.markRead();
        break;
      case 'typing': {
        const id = frame.participant.id;
        if (frame.typing) {
          this.typing.set(id, frame.participant.name);
          this.later(`typing:${id}`, 6000, () => this.typing.delete(id) && this.emit('typing'));
        } else this.typing.delete(id);
        this.emit('typing');
        break;
      }
      case 'read': {
        const p = this.participant(frame.participantId);
        if (p) p.readSeq = frame.seq;
        this.emit('entries');
        break;
      }
      case 'presence': {
        const p = this.participant(frame.participantId);
        if (p) p.online = frame.online;
        this.emit('view');
        break;
      }
      case 'availability':
        this.agentAvailability = new Map(frame.agents.map((a) => [a.id, a.availability]));
        this.setAvailability(frame.availability);
        break;
      case 'pong':
        this.clear('pong');
        break;
      case 'mark':
        // Proof of having read up to here; without it the server closes the socket (4008).
        this.sendFrame({ type: 'received', mark: frame.mark });
        break;
      case 'error':
        if (frame.clientId) {
          this.pending = this.pending.filter((p) => p.clientId !== frame.clientId);
          this.emit('entries');
        }
        // A dropped `send` is said, not swallowed, and sent again once the frame limit's second is over (docs/protocol.md).
        if (frame.code === 'rate_limited') {
          this.limitedUntil = Date.now() + 1000;
          this.later('resend', 1000, () => this.resendPending());
        }
        this.setError(frame.code);
        break;
    }
  }

  /** Whatever has no ack yet is sent again with the same clientId: never stored twice. */
  private resendPending() {
    for (const p of this.pending) if (uploaded(p)) this.sendFrame(sendFrameOf(p));
  }

  private participant(id: string): ParticipantView | undefined {
    return this.view?.participants.find((p) => p.id === id);
  }

  private heartbeat() {
    this.later('ping', 30_000, () => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      this.ws.send(PING);
      this.later('pong', 10_000, () => this.ws?.close());
      this.heartbeat();
    });
  }

  /** Adds entries in seq order, ignoring ones already held (replays may repeat). */
  private add(entries: Entry[]) {
    for (const entry of entries) {
      if (this.entries.some((e) => e.seq === entry.seq)) continue;
      this.entries.push(entry);
      if (entry.clientId && entry.author.id === this.guest?.id) this.pending = this.pending.filter((p) => p.clientId !== entry.clientId);
    }
    this.entries.sort((a, b) => a.seq - b.seq);
  }

  private setState(state: State) {
    this.state = state;
    this.emit('state');
  }
  private later(name: string, ms: number, fn: () => void) {
    this.clear(name);
    this.timers.set(name, setTimeout(fn, ms));
  }
  private clear(name: string) {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }
}

const web = (u = '') => (/^https?:/.test(u) && u.length <= 2048 ? u : undefined);

/**
 * Where the guest writes from, for the agents (docs/rules.md). The server refuses what it
 * could not show safely, so what would not pass is left out rather than failing the message.
 */
function startContext(channel: 'widget' | 'page') {
  const title = document.title.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ').trim().slice(0, 200);
  return {
    channel,
    url: web(location.href.split('#')[0]!),
    title: title || undefined,
    referrer: web(document.referrer),
    language: navigator.language.length <= 35 && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(navigator.language) ? navigator.language : undefined,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}
