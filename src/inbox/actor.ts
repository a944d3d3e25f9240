import { DurableObject } from 'cloudflare:workers';
import { migrateSchema } from '../actor/schema';
import { acceptReportSocket, broadcast, completeClose, READ_ONLY_FRAME } from '../actor/sockets';
import type { Env } from '../env';
import type { InboxFrame, InboxItem } from './item';
import { applyInboxSettings, defaultInboxSettings, InboxSettings, type InboxSettingsPatch } from './settings';

/**
 * One agent's inbox (C10). It lives in its own actor, keyed by agent id, because it is the
 * one place that sees every conversation of that agent: conversations push their changes
 * here (ordered by each conversation's revision), and the agent's console keeps one socket
 * open to it instead of one per conversation.
 */
export class InboxActor extends DurableObject<Env> {
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
    ]);
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

  async settings(): Promise<InboxSettings> {
    return this.readSettings();
  }

  /** Applies the change and tells the agent's other open consoles, so every tab alerts alike. */
  async updateSettings(patch: InboxSettingsPatch): Promise<InboxSettings> {
    const next = applyInboxSettings(this.readSettings(), patch);
    this.ctx.storage.sql.exec(
      `INSERT INTO settings (singleton, email_when_offline, notifications) VALUES (1, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET email_when_offline = excluded.email_when_offline, notifications = excluded.notifications`,
      next.emailWhenOffline ? 1 : 0,
      JSON.stringify(next.notifications),
    );
    this.broadcast({ type: 'settings', settings: next });
    return next;
  }

  private readSettings(): InboxSettings {
    const row = this.ctx.storage.sql
      .exec<{ email_when_offline: number; notifications: string | null }>('SELECT email_when_offline, notifications FROM settings')
      .toArray()[0];
    const defaults = defaultInboxSettings();
    const notifications = InboxSettings.shape.notifications.safeParse(row?.notifications ? JSON.parse(row.notifications) : null);
    return { emailWhenOffline: row?.email_when_offline === 1, notifications: notifications.success ? notifications.data : defaults.notifications };
  }

  override async fetch(request: Request): Promise<Response> {
    return acceptReportSocket(this.ctx, request, { type: 'inbox', items: await this.list() } satisfies InboxFrame);
  }

  override async webSocketMessage(ws: WebSocket): Promise<void> {
    // The only client frame is the ping the runtime answers itself.
    ws.send(READ_ONLY_FRAME);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    completeClose(ws, code, reason);
  }

  private broadcast(frame: InboxFrame): void {
    broadcast(this.ctx.getWebSockets(), frame);
  }
}
