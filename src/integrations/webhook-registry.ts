import { keptRead } from '../directory/kept-read';
import { newId } from '../directory/ids';
import { notFound } from '../http/errors';
import { newWebhookSecret } from './signing';
import type { WebhookEventType } from './webhook-events';

/** A registered endpoint (D1 `webhook_endpoints`); the secret is only ever shown at creation. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  disabledReason: 'admin' | 'failing' | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  url: string;
  description: string | null;
  events: string;
  secret: string;
  enabled: number;
  disabled_reason: 'admin' | 'failing' | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

const toEndpoint = (row: Row): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as WebhookEventType[],
  enabled: row.enabled === 1,
  disabledReason: row.disabled_reason,
  disabledAt: row.disabled_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** What the delivering actor needs: where, with which key, and whether it may send at all. */
export interface DeliveryTarget {
  url: string;
  secret: string;
  enabled: boolean;
}

export async function createWebhook(
  db: D1Database,
  input: { url: string; description?: string | undefined; events: WebhookEventType[] },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newWebhookSecret();
  const row = await db
    .prepare('INSERT INTO webhook_endpoints (id, url, description, events, secret) VALUES (?, ?, ?, ?, ?) RETURNING *')
    .bind(newId('wh'), input.url, input.description ?? null, JSON.stringify(input.events), secret)
    .first<Row>();
  forgetSubscribers();
  return { endpoint: toEndpoint(row!), secret };
}

export async function listWebhooks(db: D1Database): Promise<WebhookEndpoint[]> {
  const { results } = await db.prepare('SELECT * FROM webhook_endpoints ORDER BY created_at, id').all<Row>();
  return results.map(toEndpoint);
}

export async function getWebhook(db: D1Database, id: string): Promise<WebhookEndpoint> {
  const row = await db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').bind(id).first<Row>();
  if (!row) throw notFound('Webhook endpoint');
  return toEndpoint(row);
}

export async function deliveryTarget(db: D1Database, id: string): Promise<DeliveryTarget | null> {
  const row = await db.prepare('SELECT url, secret, enabled FROM webhook_endpoints WHERE id = ?').bind(id).first<Pick<Row, 'url' | 'secret' | 'enabled'>>();
  return row ? { url: row.url, secret: row.secret, enabled: row.enabled === 1 } : null;
}

export async function updateWebhook(
  db: D1Database,
  id: string,
  patch: { url?: string | undefined; description?: string | null | undefined; events?: WebhookEventType[] | undefined; enabled?: boolean | undefined },
): Promise<WebhookEndpoint> {
  const current = await getWebhook(db, id);
  const enabled = patch.enabled ?? current.enabled;
  // Turning an endpoint on clears why it was off; turning it off by hand says an admin did.
  const reason = enabled ? null : patch.enabled === false && current.enabled ? 'admin' : current.disabledReason;
  const disabledAt = enabled ? null : current.enabled ? new Date().toISOString() : current.disabledAt;
  const row = await db
    .prepare(
      `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, enabled = ?, disabled_reason = ?, disabled_at = ?,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? RETURNING *`,
    )
    .bind(
      patch.url ?? current.url,
      patch.description === undefined ? current.description : patch.description,
      JSON.stringify(patch.events ?? current.events),
      enabled ? 1 : 0,
      reason,
      disabledAt,
      id,
    )
    .first<Row>();
  forgetSubscribers();
  if (!row) throw notFound('Webhook endpoint');
  return toEndpoint(row);
}

/** The automatic rule (docs/integrations.md): only an endpoint still enabled is turned off, once. */
export async function disableFailingWebhook(db: D1Database, id: string): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing', disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND enabled = 1`,
    )
    .bind(id)
    .run();
  forgetSubscribers();
  return result.meta.changes > 0;
}

export async function deleteWebhook(db: D1Database, id: string): Promise<void> {
  const result = await db.prepare('DELETE FROM webhook_endpoints WHERE id = ?').bind(id).run();
  forgetSubscribers();
  if (result.meta.changes === 0) throw notFound('Webhook endpoint');
}

/**
 * Every chat message asks who subscribes; the answer changes only when an admin edits
 * endpoints, so an isolate keeps the whole map (event type → enabled endpoints) for a few
 * seconds instead of querying D1 per message. Edits made through this isolate clear it at
 * once; an isolate elsewhere (another Durable Object's) sees them within SUBSCRIPTIONS_TTL_MS
 * (SUBSCRIPTIONS_STALE_MS while D1 is slow to answer).
 * A disabled endpoint that is still cached gets nothing: its actor checks `enabled` before
 * every delivery.
 */
const SUBSCRIPTIONS_TTL_MS = 5000;
/** The hot path reads the map again in the background once it is this old, so a busy isolate never finds it expired. */
const SUBSCRIPTIONS_REFRESH_MS = 3000;
/**
 * While that read is on its way, the map stays in use up to this age. Under load D1 answered
 * in seconds, and answering "unknown" meanwhile queued a webhook job per message, each reading
 * D1 again: a spiral the many-conversations benchmark fell into (docs/benchmarks.md).
 */
const SUBSCRIPTIONS_STALE_MS = 30_000;
const subscribers = keptRead(SUBSCRIPTIONS_TTL_MS, async (db) => {
  const { results } = await db
    .prepare('SELECT w.id, e.value AS type FROM webhook_endpoints w, json_each(w.events) e WHERE w.enabled = 1')
    .all<{ id: string; type: WebhookEventType }>();
  const byType = new Map<WebhookEventType, string[]>();
  for (const { id, type } of results) byType.set(type, [...(byType.get(type) ?? []), id]);
  return byType as ReadonlyMap<WebhookEventType, string[]>;
});
let refreshing: Promise<unknown> | null = null;

export const forgetSubscribers = (): void => subscribers.forget();

/** The enabled endpoints of each event type that has any; empty when nobody subscribes. */
export const subscriptions = (db: D1Database): Promise<ReadonlyMap<WebhookEventType, string[]>> => subscribers.get(db);

/**
 * For a path that must not wait for D1 (a chat message): the cached map while it is fresh,
 * else null (unknown: the caller assumes someone may subscribe). A map near the end of its
 * life, or none, is read again in the background, so in a busy isolate the answer stays known.
 */
export function knownSubscriptions(db: D1Database, ctx: { waitUntil(promise: Promise<unknown>): void }): ReadonlyMap<WebhookEventType, string[]> | null {
  const kept = subscribers.peek();
  if ((!kept || kept.ageMs > SUBSCRIPTIONS_REFRESH_MS) && !refreshing) {
    // A read of D1, not get(): the map still kept is what is being replaced (answering with it let it expire every TTL).
    refreshing = subscribers
      .reread(db)
      .catch((err: unknown) => console.error('webhook subscriptions not read', err))
      .finally(() => (refreshing = null));
    ctx.waitUntil(refreshing);
  }
  if (!kept) return null;
  return kept.ageMs < SUBSCRIPTIONS_TTL_MS || (refreshing !== null && kept.ageMs < SUBSCRIPTIONS_STALE_MS) ? kept.value : null;
}
