import { DurableObject } from 'cloudflare:workers';
import { backupStorage, type BackupAnswer, type BackupOp } from '../actor/backup';
import { Jobs, type JobHandlers } from '../actor/jobs';
import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import { acceptReportSocket, AGENT_HEADER, broadcast, completeClose, READ_ONLY_FRAME } from '../actor/sockets';
import type { Availability } from '../directory/availability';
import { PRESENCE_HEARTBEAT_MS, writePresence } from '../directory/presence';
import type { Env } from '../env';
import type { InboxFrame, InboxItem } from './item';
import type { PresenceState, PresenceView } from './presence';
import { applyInboxSettings, defaultInboxSettings, InboxSettings, type InboxSettingsPatch } from './settings';

/**
 * One agent's inbox (C10). It lives in its own actor, keyed by agent id, because it is the
 * one place that sees every conversation of that agent: conversations push their changes
 * here (ordered by each conversation's revision), and the agent's console keeps one socket
 * open to it instead of one per conversation.
 */
interface InboxJobs {
  // The one job that copies the effective availability into D1 (directory/presence.ts).
  presence: Record<string, never>;
}

/** Keys (in the actor's key-value storage) of the conversations to tell of availability changes. */
const WATCH_PREFIX = 'watch:';

/** Presence is worth retrying a few times only: the next change or heartbeat writes it anyway. */
const PRESENCE_RETRY = { maxAttempts: 5, backoff: { baseMs: 1_000, capMs: 60_000 } } as const;

export class InboxActor extends DurableObject<Env> {
  private readonly jobs: Jobs<InboxJobs>;
  private readonly handlers: JobHandlers<InboxJobs>;
  // The availability watchers were last told of; in memory, so a restarted actor tells them once more.
  private told: Availability | undefined;
  private telling: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateSchema(ctx.storage.sql, [
      `CREATE TABLE items (
         conversation_id TEXT PRIMARY KEY,
         revision INTEGER NOT NULL,
         item TEXT,
         updated_at TEXT
       );
       CREATE INDEX items_by_update ON items (updated_at) WHERE item IS NOT NULL;`,
      // The agent's own settings; first only the email continuity opt-in (C12), off by default.
      `CREATE TABLE settings (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), email_when_offline INTEGER NOT NULL DEFAULT 0);`,
      // The console's notification preferences, as JSON: a new kind of notification needs no migration.
      `ALTER TABLE settings ADD COLUMN notifications TEXT;`,
      // Availability (docs/rules.md): the idle delay, the state the agent chose, and the job that publishes it.
      `ALTER TABLE settings ADD COLUMN away_after_minutes INTEGER;
       ALTER TABLE settings ADD COLUMN presence TEXT;
       ALTER TABLE settings ADD COLUMN agent_id TEXT;
       ${JOBS_TABLE}`,
    ]);
    this.jobs = new Jobs(ctx.storage, { kind: 'inbox', id: ctx.id.toString() });
    this.handlers = { presence: { run: () => this.publishPresence(), retry: PRESENCE_RETRY } };
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /**
   * Applies a conversation's update unless a newer one was applied already; `item` null
   * removes the conversation (the agent left or it was assigned away). Removals are kept
   * as tombstones so a late, older update cannot bring a conversation back.
   */
  async apply(conversationId: string, revision: number, item: InboxItem | null): Promise<void> {
    const current = this.ctx.storage.sql
      .exec<{ revision: number }>('SELECT revision FROM items WHERE conversation_id = ?', conversationId)
      .toArray()[0];
    if (current && current.revision >= revision) return;
    const updatedAt = item?.lastMessage?.at ?? new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO items (conversation_id, revision, item, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET revision = excluded.revision, item = excluded.item, updated_at = excluded.updated_at`,
      conversationId,
      revision,
      item ? JSON.stringify(item) : null,
      updatedAt,
    );
    this.broadcast(item ? { type: 'item', item } : { type: 'removed', conversationId });
  }

  /** A conversation was deleted (retention): its row goes, and open consoles drop it. */
  async forget(conversationId: string): Promise<void> {
    this.ctx.storage.sql.exec('DELETE FROM items WHERE conversation_id = ?', conversationId);
    this.broadcast({ type: 'removed', conversationId });
  }

  /** A summary this agent's views may show changed (directory/summaries.ts): only open consoles care, so nothing is stored. */
  async hint(conversationId: string): Promise<void> {
    this.broadcast({ type: 'views', conversationId });
  }

  async list(): Promise<InboxItem[]> {
    return this.ctx.storage.sql
      .exec<{ item: string }>('SELECT item FROM items WHERE item IS NOT NULL ORDER BY updated_at DESC')
      .toArray()
      // Items stored before conversations had a status are open; before mentions, ones the agent is in.
      .map((row) => ({ status: 'open', snoozedUntil: null, participant: true, mentions: null, ...(JSON.parse(row.item) as Partial<InboxItem>) }) as InboxItem);
  }

  /**
   * What a conversation needs before emailing this agent the messages they missed (C12):
   * whether they opted in, and whether their console is open (then they saw the
   * conversation in their inbox and need no email).
   */
  async emailContinuity(): Promise<{ emailWhenOffline: boolean; consoleOpen: boolean }> {
    return { emailWhenOffline: this.readSettings().emailWhenOffline, consoleOpen: this.ctx.getWebSockets().some((ws) => ws.readyState === WebSocket.OPEN) };
  }

  /** The state the agent chose and what guests see: offline whatever they chose while no console is open. */
  async presence(): Promise<PresenceView> {
    return { state: this.readState(), availability: this.availability() };
  }

  /**
   * A conversation with sockets open that shows this agent's availability asks to hear of its
   * changes (docs/protocol.md "Availability"), and learns it as it is now. It stays on the list
   * until it answers a change with false (no socket open any more, or the agent is no longer
   * one of those it shows), so only conversations someone is looking at are told.
   */
  async watch(conversationId: string): Promise<Availability> {
    await this.ctx.storage.put(`${WATCH_PREFIX}${conversationId}`, true);
    return this.availability();
  }

  /** Keeps the agent's choice (also while offline, for their next console) and tells their other consoles. */
  async setPresence(agentId: string, state: PresenceState): Promise<PresenceView> {
    this.remember(agentId);
    this.ctx.storage.sql.exec(
      `INSERT INTO settings (singleton, presence) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET presence = excluded.presence`,
      state,
    );
    const view = await this.presence();
    this.broadcast({ type: 'presence', ...view });
    await this.queuePresence();
    return view;
  }

  async settings(): Promise<InboxSettings> {
    return this.readSettings();
  }

  /** Applies the change and tells the agent's other open consoles, so every tab alerts alike. */
  async updateSettings(patch: InboxSettingsPatch): Promise<InboxSettings> {
    const next = applyInboxSettings(this.readSettings(), patch);
    this.ctx.storage.sql.exec(
      `INSERT INTO settings (singleton, away_after_minutes, email_when_offline, notifications) VALUES (1, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET away_after_minutes = excluded.away_after_minutes,
         email_when_offline = excluded.email_when_offline, notifications = excluded.notifications`,
      next.awayAfterMinutes,
      next.emailWhenOffline ? 1 : 0,
      JSON.stringify(next.notifications),
    );
    this.broadcast({ type: 'settings', settings: next });
    return next;
  }

  private readSettings(): InboxSettings {
    const row = this.ctx.storage.sql
      .exec<{ away_after_minutes: number | null; email_when_offline: number; notifications: string | null }>(
        'SELECT away_after_minutes, email_when_offline, notifications FROM settings',
      )
      .toArray()[0];
    const defaults = defaultInboxSettings();
    const notifications = InboxSettings.shape.notifications.safeParse(row?.notifications ? JSON.parse(row.notifications) : null);
    return {
      awayAfterMinutes: row?.away_after_minutes ?? defaults.awayAfterMinutes,
      emailWhenOffline: row?.email_when_offline === 1, notifications: notifications.success ? notifications.data : defaults.notifications };
  }

  /** What guests and colleagues see: offline whatever was chosen while no console is open. */
  private availability(): Availability {
    return this.openSockets().length === 0 ? 'offline' : this.readState();
  }

  private readState(): PresenceState {
    const row = this.ctx.storage.sql.exec<{ presence: string | null }>('SELECT presence FROM settings').toArray()[0];
    return row?.presence === 'away' ? 'away' : 'online';
  }

  /** Sockets still open; a closing one (in its close handler) is already gone for presence. */
  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  private agentId(): string | undefined {
    return this.ctx.storage.sql.exec<{ agent_id: string | null }>('SELECT agent_id FROM settings').toArray()[0]?.agent_id ?? undefined;
  }

  /** The actor is named by its agent's id, but the name is not kept across restarts: remember it. */
  private remember(agentId: string): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO settings (singleton, agent_id) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET agent_id = excluded.agent_id`,
      agentId,
    );
  }

  /**
   * Publishes the effective availability now (a card read right after a console opens or
   * closes sees it), through the job kernel so a failed D1 write is retried by the alarm.
   */
  private async queuePresence(): Promise<void> {
    this.jobs.enqueue('presence', 'presence', Date.now(), {});
    await this.jobs.runDue(this.handlers);
    await this.jobs.arm();
    const now = this.availability();
    if (now === this.told) return;
    this.told = now;
    // One round after the other, each telling what is true when it starts: two quick changes
    // can then never reach a conversation in the wrong order.
    this.telling = this.telling.then(() => this.tellWatchers()).catch((err: unknown) => console.error('availability not told', err));
    this.ctx.waitUntil(this.telling);
  }

  /**
   * One call per conversation someone is looking at: a guest's page learns within a moment.
   * Not retried: a conversation that missed it learns the truth on its next socket's open.
   */
  private async tellWatchers(): Promise<void> {
    const agentId = this.agentId();
    if (!agentId) return;
    const availability = this.availability();
    const watchers = [...(await this.ctx.storage.list({ prefix: WATCH_PREFIX })).keys()];
    await Promise.all(
      watchers.map(async (key) => {
        const conversation = this.env.CONVERSATIONS.getByName(key.slice(WATCH_PREFIX.length));
        const still = await conversation.availabilityChanged(agentId, availability).catch((err: unknown) => (console.error('availability not told', err), true));
        if (!still) await this.ctx.storage.delete(key);
      }),
    );
  }

  /** Writes the row; while not offline it comes back as a heartbeat so the row never goes stale (PRESENCE_STALE_MS). */
  private async publishPresence(): Promise<{ again: number } | void> {
    const agentId = this.agentId();
    // Only a console or the agent's own change names the agent; before either there is nothing to publish.
    if (!agentId) return;
    const availability = this.availability();
    await writePresence(this.env.DB, agentId, availability);
    if (availability !== 'offline') return { again: Date.now() + PRESENCE_HEARTBEAT_MS };
  }

  /** A page of this inbox's storage for a backup, or a page of a backup written into it (docs/backups.md). */
  async backup(op: BackupOp): Promise<BackupAnswer> {
    return backupStorage(this.ctx.storage, op, () => this.jobs.arm());
  }

  override async alarm(): Promise<void> {
    await this.jobs.runDue(this.handlers);
    await this.jobs.arm();
  }

  override async fetch(request: Request): Promise<Response> {
    const agentId = request.headers.get(AGENT_HEADER);
    if (agentId) this.remember(agentId);
    // The snapshot goes out on the socket being opened, so for it the agent is at a console.
    const state = this.readState();
    const response = acceptReportSocket(this.ctx, request, {
      type: 'inbox',
      items: await this.list(),
      presence: { state, availability: state },
    } satisfies InboxFrame);
    if (response.status === 101) await this.queuePresence();
    return response;
  }

  override async webSocketMessage(ws: WebSocket): Promise<void> {
    // The only client frame is the ping the runtime answers itself.
    ws.send(READ_ONLY_FRAME);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    completeClose(ws, code, reason);
    await this.queuePresence();
  }

  override async webSocketError(): Promise<void> {
    await this.queuePresence();
  }

  private broadcast(frame: InboxFrame): void {
    broadcast(this.ctx.getWebSockets(), frame);
  }
}
