import { EMPTY_LEDGER, type RecipientLedger } from './email-digest';

/** A due piece of work of the conversation's alarm (schema in conversation/store.ts). */
export interface ConversationJob {
  key: string;
  kind: string;
  dueAt: number;
  payload: Record<string, unknown>;
  attempts: number;
}

interface JobRow extends Record<string, SqlStorageValue> {
  key: string;
  kind: string;
  due_at: number;
  payload: string;
  attempts: number;
}

const toJob = (r: JobRow): ConversationJob => ({ key: r.key, kind: r.kind, dueAt: r.due_at, payload: JSON.parse(r.payload), attempts: r.attempts });

/** The conversation actor's jobs and its email ledger (C12). */
export class DigestStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Adds a job unless one with this key waits already: the earlier due time stands. */
  enqueueOnce(key: string, kind: string, dueAt: number, payload: unknown): void {
    this.sql.exec('INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING', key, kind, dueAt, JSON.stringify(payload));
  }

  dueJobs(now: number, limit = 50): ConversationJob[] {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, limit).toArray().map(toJob);
  }

  jobs(): ConversationJob[] {
    return this.sql.exec<JobRow>('SELECT * FROM jobs ORDER BY due_at').toArray().map(toJob);
  }

  finishJob(key: string): void {
    this.sql.exec('DELETE FROM jobs WHERE key = ?', key);
  }

  postpone(key: string, dueAt: number): void {
    this.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ?', dueAt, key);
  }

  savePayload(key: string, payload: unknown): void {
    this.sql.exec('UPDATE jobs SET payload = ? WHERE key = ?', JSON.stringify(payload), key);
  }

  retryJob(key: string, dueAt: number, error: string): void {
    this.sql.exec('UPDATE jobs SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE key = ?', dueAt, error, key);
  }

  nextDue(): number | null {
    return this.sql.exec<{ due: number | null }>('SELECT min(due_at) AS due FROM jobs').one().due;
  }

  ledger(participantId: string): RecipientLedger {
    const row = this.sql
      .exec<{ emailed_seq: number; seen_seq: number; last_sent_at: number | null }>(
        'SELECT emailed_seq, seen_seq, last_sent_at FROM email_recipients WHERE participant_id = ?',
        participantId,
      )
      .toArray()[0];
    return row ? { emailedSeq: row.emailed_seq, seenSeq: row.seen_seq, lastSentAt: row.last_sent_at } : EMPTY_LEDGER;
  }

  /** The recipient's handle in reply addresses, handed out the first time it is asked for. */
  handleFor(participantId: string): number {
    this.sql.exec('INSERT INTO email_recipients (participant_id) VALUES (?) ON CONFLICT (participant_id) DO NOTHING', participantId);
    return this.sql.exec<{ handle: number }>('SELECT handle FROM email_recipients WHERE participant_id = ?', participantId).one().handle;
  }

  participantOf(handle: number): string | null {
    return this.sql.exec<{ participant_id: string }>('SELECT participant_id FROM email_recipients WHERE handle = ?', handle).toArray()[0]?.participant_id ?? null;
  }

  /** Everything up to `seq` reached them live; positions only move forward. */
  markSeen(participantId: string, seq: number): void {
    this.handleFor(participantId);
    this.sql.exec('UPDATE email_recipients SET seen_seq = max(seen_seq, ?) WHERE participant_id = ?', seq, participantId);
  }

  markEmailed(participantId: string, throughSeq: number, at: number): void {
    this.handleFor(participantId);
    this.sql.exec('UPDATE email_recipients SET emailed_seq = max(emailed_seq, ?), last_sent_at = ? WHERE participant_id = ?', throughSeq, at, participantId);
  }
}
