import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import type { CrmProvider, CrmPushRequest, CrmRecord } from './crm';

const MIGRATIONS = [
  `-- One row per push: its queue state, its progress (a contact found or made survives a
   -- failed note, so a retry does not make it twice), and whether its result has been shown
   -- in the conversation yet.
   CREATE TABLE pushes (
     id TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL,
     request TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'succeeded', 'failed')),
     attempts INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER,
     record TEXT,
     activity_logged INTEGER NOT NULL DEFAULT 0,
     record_url TEXT,
     error TEXT,
     reported INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX pushes_due ON pushes (due_at) WHERE due_at IS NOT NULL;
   CREATE INDEX pushes_by_conversation ON pushes (conversation_id, created_at);
   -- Provider state that outlives a push: Salesforce's refreshed token, HubSpot's portal id.
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // The drain job that wakes the actor when the next push is due (actor/jobs.ts); a queue
  // with pushes waiting from before gets it at once.
  `${JOBS_TABLE}
   INSERT INTO jobs (key, kind, due_at, payload)
     SELECT 'drain', 'drain', min(due_at), '{}' FROM pushes WHERE due_at IS NOT NULL HAVING count(*) > 0;`,
];

export const migrate = (sql: SqlStorage): void => migrateSchema(sql, MIGRATIONS);

export interface Push {
  id: string;
  provider: CrmProvider;
  conversationId: string;
  request: CrmPushRequest;
  status: 'queued' | 'succeeded' | 'failed';
  attempts: number;
  dueAt: number | null;
  record: CrmRecord | null;
  activityLogged: boolean;
  recordUrl: string | null;
  error: string | null;
  reported: boolean;
  createdAt: number;
  finishedAt: number | null;
}

interface Row extends Record<string, SqlStorageValue> {
  id: string;
  conversation_id: string;
  request: string;
  status: Push['status'];
  attempts: number;
  due_at: number | null;
  record: string | null;
  activity_logged: number;
  record_url: string | null;
  error: string | null;
  reported: number;
  created_at: number;
  finished_at: number | null;
}

export class CrmStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly provider: () => CrmProvider,
  ) {}

  private toPush = (r: Row): Push => ({
    id: r.id,
    provider: this.provider(),
    conversationId: r.conversation_id,
    request: JSON.parse(r.request) as CrmPushRequest,
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at,
    record: r.record ? (JSON.parse(r.record) as CrmRecord) : null,
    activityLogged: r.activity_logged === 1,
    recordUrl: r.record_url,
    error: r.error,
    reported: r.reported === 1,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  });

  setting(key: string): string | null {
    return this.sql.exec<{ value: string }>('SELECT value FROM settings WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  saveSetting(key: string, value: string): void {
    this.sql.exec('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  insert(id: string, request: CrmPushRequest, now: number): void {
    this.sql.exec(`INSERT INTO pushes (id, conversation_id, request, status, due_at, created_at) VALUES (?, ?, ?, 'queued', ?, ?)`, id, request.conversationId, JSON.stringify(request), now, now);
  }

  get(id: string): Push | null {
    const row = this.sql.exec<Row>('SELECT * FROM pushes WHERE id = ?', id).toArray()[0];
    return row ? this.toPush(row) : null;
  }

  due(now: number): Push[] {
    return this.sql.exec<Row>('SELECT * FROM pushes WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, created_at', now).toArray().map(this.toPush);
  }

  forConversation(conversationId: string): Push[] {
    return this.sql.exec<Row>('SELECT * FROM pushes WHERE conversation_id = ? ORDER BY created_at DESC', conversationId).toArray().map(this.toPush);
  }

  nextDue(): number | null {
    return this.sql.exec<{ due: number | null }>('SELECT min(due_at) AS due FROM pushes WHERE due_at IS NOT NULL').toArray()[0]?.due ?? null;
  }

  saveRecord(id: string, record: CrmRecord): void {
    this.sql.exec('UPDATE pushes SET record = ? WHERE id = ?', JSON.stringify(record), id);
  }

  markActivityLogged(id: string): void {
    this.sql.exec('UPDATE pushes SET activity_logged = 1 WHERE id = ?', id);
  }

  retry(id: string, dueAt: number, error: string): void {
    this.sql.exec('UPDATE pushes SET attempts = attempts + 1, due_at = ?, error = ? WHERE id = ?', dueAt, error, id);
  }

  /** A 429 is about the whole account: no queued push is tried before `until`. */
  holdQueued(until: number): void {
    this.sql.exec(`UPDATE pushes SET due_at = max(due_at, ?) WHERE status = 'queued' AND due_at IS NOT NULL`, until);
  }

  /** Finished; still due (now) until its result is shown in the conversation. */
  finish(id: string, outcome: { status: 'succeeded'; recordUrl: string } | { status: 'failed'; error: string }, now: number): void {
    this.sql.exec(
      'UPDATE pushes SET status = ?, attempts = attempts + 1, record_url = ?, error = ?, finished_at = ?, due_at = ? WHERE id = ?',
      outcome.status,
      outcome.status === 'succeeded' ? outcome.recordUrl : null,
      outcome.status === 'failed' ? outcome.error : null,
      now,
      now,
      id,
    );
  }

  reportLater(id: string, dueAt: number): void {
    this.sql.exec('UPDATE pushes SET due_at = ? WHERE id = ?', dueAt, id);
  }

  markReported(id: string): void {
    this.sql.exec('UPDATE pushes SET reported = 1, due_at = NULL WHERE id = ?', id);
  }
}
