import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import type { WebhookEvent } from './webhook-events';

/** The webhook actor's SQLite schema, one step per version (see actor/schema.ts). */
const MIGRATIONS = [
  `CREATE TABLE endpoint (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), id TEXT NOT NULL, last_success_at INTEGER);
   -- One row per event for this endpoint: the queue and the delivery log at once. The event id
   -- is the key, so an event queued twice is delivered once. The body is fixed when queued, so
   -- every attempt sends the same bytes (only the signature's timestamp changes).
   CREATE TABLE deliveries (
     event_id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     body TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
     attempts INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     first_attempt_at INTEGER,
     next_attempt_at INTEGER,
     last_attempt_at INTEGER,
     last_status INTEGER,
     last_error TEXT,
     finished_at INTEGER
   );
   CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
   CREATE INDEX deliveries_by_time ON deliveries (created_at);
   CREATE TABLE attempts (
     event_id TEXT NOT NULL,
     n INTEGER NOT NULL,
     at INTEGER NOT NULL,
     status INTEGER,
     error TEXT,
     duration_ms INTEGER NOT NULL,
     PRIMARY KEY (event_id, n)
   );`,
  // The drain job that wakes the actor when the next delivery is due (actor/jobs.ts); an
  // endpoint with deliveries pending from before gets it at once.
  `${JOBS_TABLE}
   INSERT INTO jobs (key, kind, due_at, payload)
     SELECT 'drain', 'drain', min(next_attempt_at), '{}' FROM deliveries WHERE status = 'pending' HAVING count(*) > 0;`,
];

export const migrate = (sql: SqlStorage): void => migrateSchema(sql, MIGRATIONS);

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface Attempt {
  n: number;
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface Delivery {
  eventId: string;
  type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: number;
  firstAttemptAt: number | null;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  finishedAt: number | null;
}

interface DeliveryRow extends Record<string, SqlStorageValue> {
  event_id: string;
  type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  first_attempt_at: number | null;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  finished_at: number | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  eventId: r.event_id,
  type: r.type,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  createdAt: r.created_at,
  firstAttemptAt: r.first_attempt_at,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  finishedAt: r.finished_at,
});

/** What one attempt came to, as the actor records it. */
export interface AttemptResult {
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The delivery's state after this attempt. */
  outcome: { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: number };
}

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {}

  endpointId(): string | null {
    return this.sql.exec<{ id: string }>('SELECT id FROM endpoint').toArray()[0]?.id ?? null;
  }

  lastSuccessAt(): number | null {
    return this.sql.exec<{ last_success_at: number | null }>('SELECT last_success_at FROM endpoint').toArray()[0]?.last_success_at ?? null;
  }

  /** Queues an event; false when it was queued before. */
  enqueue(endpointId: string, event: WebhookEvent, now: number): boolean {
    this.sql.exec('INSERT OR IGNORE INTO endpoint (singleton, id) VALUES (1, ?)', endpointId);
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO deliveries (event_id, type, body, status, created_at, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
      event.id,
      event.type,
      JSON.stringify(event),
      now,
      now,
    );
    return cursor.rowsWritten > 0;
  }

  due(now: number, limit: number): Delivery[] {
    return this.sql
      .exec<DeliveryRow>(`SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?`, now, limit)
      .toArray()
      .map(toDelivery);
  }

  nextDue(): number | null {
    return this.sql.exec<{ due: number | null }>(`SELECT min(next_attempt_at) AS due FROM deliveries WHERE status = 'pending'`).toArray()[0]?.due ?? null;
  }

  /** Records an attempt and the delivery's new state together. */
  record(delivery: Delivery, result: AttemptResult): void {
    const n = delivery.attempts + 1;
    this.sql.exec(
      'INSERT OR REPLACE INTO attempts (event_id, n, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
      delivery.eventId,
      n,
      result.at,
      result.status,
      result.error,
      result.durationMs,
    );
    const { outcome } = result;
    this.sql.exec(
      `UPDATE deliveries SET attempts = ?, status = ?, first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?, last_status = ?,
         last_error = ?, next_attempt_at = ?, finished_at = ? WHERE event_id = ?`,
      n,
      outcome.status,
      result.at,
      result.at,
      result.status,
      result.error,
      outcome.status === 'pending' ? outcome.nextAttemptAt : null,
      outcome.status === 'pending' ? null : result.at,
      delivery.eventId,
    );
    if (outcome.status === 'delivered') this.sql.exec('UPDATE endpoint SET last_success_at = ?', result.at);
  }

  /** Deliveries whose event names `text` (a guest's id, for their export: docs/privacy.md), newest first. */
  naming(text: string, limit: number): Delivery[] {
    return this.sql.exec<DeliveryRow>('SELECT * FROM deliveries WHERE instr(body, ?) > 0 ORDER BY created_at DESC, event_id LIMIT ?', text, limit).toArray().map(toDelivery);
  }

  /** Gives up every pending delivery (the endpoint was disabled): a disabled endpoint gets nothing. */
  cancelPending(reason: string, now: number): number {
    return this.sql.exec(
      `UPDATE deliveries SET status = 'cancelled', last_error = ?, next_attempt_at = NULL, finished_at = ? WHERE status = 'pending'`,
      reason,
      now,
    ).rowsWritten;
  }

  /** Newest first. */
  list(limit: number, status: DeliveryStatus | undefined): Array<Delivery & { attemptLog: Attempt[] }> {
    const rows = status
      ? this.sql.exec<DeliveryRow>('SELECT * FROM deliveries WHERE status = ? ORDER BY created_at DESC, event_id LIMIT ?', status, limit)
      : this.sql.exec<DeliveryRow>('SELECT * FROM deliveries ORDER BY created_at DESC, event_id LIMIT ?', limit);
    return rows.toArray().map((row) => ({
      ...toDelivery(row),
      attemptLog: this.sql
        .exec<{ n: number; at: number; status: number | null; error: string | null; duration_ms: number }>(
          'SELECT * FROM attempts WHERE event_id = ? ORDER BY n',
          row.event_id,
        )
        .toArray()
        .map((a) => ({ n: a.n, at: a.at, status: a.status, error: a.error, durationMs: a.duration_ms })),
    }));
  }

  /** Drops finished deliveries older than `before`, with their attempts. */
  prune(before: number): void {
    this.sql.exec(`DELETE FROM attempts WHERE event_id IN (SELECT event_id FROM deliveries WHERE status != 'pending' AND finished_at < ?)`, before);
    this.sql.exec(`DELETE FROM deliveries WHERE status != 'pending' AND finished_at < ?`, before);
  }
}
