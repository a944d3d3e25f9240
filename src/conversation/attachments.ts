import { refuse, type Refusal } from '../actor/outcome';
import { newId } from '../directory/ids';
import { LIMITS, type AttachmentView } from './protocol';

/**
 * The records of a conversation's files (docs/attachments.md); their bytes are in R2 at
 * fileKey(). An upload is reserved before its bytes are written and marked stored after, so
 * a Worker that died in between leaves a row the sweep finds. `seq`: the message carrying it,
 * null while unsent. `state`: 0 reserved, 1 stored, -1 being deleted by the sweep (no send
 * may take it any more).
 */
export const ATTACHMENTS_TABLE = `ALTER TABLE timeline ADD COLUMN attachments TEXT;
   CREATE TABLE attachments (
     id TEXT PRIMARY KEY,
     author_id TEXT NOT NULL,
     client_id TEXT NOT NULL,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     type TEXT NOT NULL,
     width INTEGER,
     height INTEGER,
     state INTEGER NOT NULL DEFAULT 0,
     seq INTEGER,
     created_at INTEGER NOT NULL
   );
   -- A file name identifies an upload per author and message: a retried upload finds the first.
   CREATE UNIQUE INDEX attachments_by_message ON attachments (author_id, client_id, name);
   CREATE INDEX attachments_unsent ON attachments (created_at) WHERE seq IS NULL;`;

/** Unsent uploads older than this are deleted. */
export const UNSENT_LIFETIME_MS = 86_400_000;

/** Where a file's bytes are: one prefix per conversation. */
export const fileKey = (conversationId: string, attachmentId: string): string => `conversations/${conversationId}/${attachmentId}`;

interface AttachmentRow extends Record<string, SqlStorageValue> {
  id: string;
  author_id: string;
  client_id: string;
  name: string;
  size: number;
  type: string;
  width: number | null;
  height: number | null;
  state: number;
  seq: number | null;
  created_at: number;
}

export interface StoredFile {
  size: number;
  type: string;
  width?: number | undefined;
  height?: number | undefined;
}

const viewOf = (row: AttachmentRow): AttachmentView => ({
  id: row.id,
  name: row.name,
  size: row.size,
  type: row.type,
  ...(row.width !== null && row.height !== null ? { width: row.width, height: row.height } : {}),
});

export class AttachmentStore {
  constructor(private readonly sql: SqlStorage) {}

  private byName(authorId: string, clientId: string, name: string): AttachmentRow | undefined {
    return this.sql.exec<AttachmentRow>('SELECT * FROM attachments WHERE author_id = ? AND client_id = ? AND name = ?', authorId, clientId, name).toArray()[0];
  }

  /**
   * Reserves an upload, or finds the one already made under this name (`fresh: false` once
   * its bytes are stored; a reserved one whose upload died is written again). `sent`: the
   * message with this clientId is stored, so its files are final.
   */
  reserve(authorId: string, clientId: string, name: string, size: number, sent: boolean, now: number): { id: string; fresh: boolean; view: AttachmentView } | Refusal {
    const existing = this.byName(authorId, clientId, name);
    if (existing && existing.state >= 0) return { id: existing.id, fresh: existing.state === 0, view: viewOf(existing) };
    if (sent) return refuse(409, 'message_already_sent', 'The message with this clientId is already sent: its files cannot change. Send the file with a new message.');
    const count = this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM attachments WHERE author_id = ? AND client_id = ? AND state >= 0', authorId, clientId).one().n;
    if (count >= LIMITS.attachmentsPerMessage) {
      return refuse(400, 'too_many_attachments', `A message carries at most ${LIMITS.attachmentsPerMessage} files.`);
    }
    const id = newId('at');
    this.sql.exec(
      "INSERT INTO attachments (id, author_id, client_id, name, size, type, created_at) VALUES (?, ?, ?, ?, ?, '', ?)",
      id, authorId, clientId, name, size, now,
    );
    return { id, fresh: true, view: { id, name, size, type: '' } };
  }

  /** The bytes of a reserved upload are in R2, of the type they were found to be. */
  stored(id: string, file: StoredFile): AttachmentView | null {
    const row = this.sql
      .exec<AttachmentRow>(
        'UPDATE attachments SET state = 1, size = ?, type = ?, width = ?, height = ? WHERE id = ? AND state >= 0 RETURNING *',
        file.size, file.type, file.width ?? null, file.height ?? null, id,
      )
      .toArray()[0];
    return row ? viewOf(row) : null;
  }

  /** A reserved upload whose bytes were refused or never arrived: forgotten. */
  abandon(id: string): void {
    this.sql.exec('DELETE FROM attachments WHERE id = ? AND state = 0', id);
  }

  /** The files a message names, if each is a stored, unsent upload of its author for its clientId. */
  unsent(authorId: string, clientId: string, ids: readonly string[]): AttachmentView[] | null {
    const rows = ids.map((id) => this.sql.exec<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', id).toArray()[0]);
    const usable = (row: AttachmentRow | undefined): row is AttachmentRow =>
      row !== undefined && row.author_id === authorId && row.client_id === clientId && row.state === 1 && row.seq === null;
    return rows.every(usable) ? rows.map(viewOf) : null;
  }

  attach(ids: readonly string[], seq: number): void {
    for (const id of ids) this.sql.exec('UPDATE attachments SET seq = ? WHERE id = ?', seq, id);
  }

  /** A file and whether it is sent; null when there is no such stored file. */
  find(id: string): { view: AttachmentView; authorId: string; sent: boolean } | null {
    const row = this.sql.exec<AttachmentRow>('SELECT * FROM attachments WHERE id = ? AND state = 1', id).toArray()[0];
    return row ? { view: viewOf(row), authorId: row.author_id, sent: row.seq !== null } : null;
  }

  /**
   * Marks the unsent uploads reserved before `before` as being deleted (no send takes them
   * from now on) and answers every file so marked, earlier runs' included: their bytes go next.
   */
  doom(before: number): string[] {
    this.sql.exec('UPDATE attachments SET state = -1 WHERE seq IS NULL AND created_at < ?', before);
    return this.sql.exec<{ id: string }>('SELECT id FROM attachments WHERE state = -1').toArray().map((r) => r.id);
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec('DELETE FROM attachments WHERE id = ? AND state = -1', id);
  }

  /** Every file an author uploaded, sent or not (an erased guest's: docs/privacy.md). */
  byAuthor(authorId: string): string[] {
    return this.sql.exec<{ id: string }>('SELECT id FROM attachments WHERE author_id = ?', authorId).toArray().map((r) => r.id);
  }

  /** Called once their bytes are gone. */
  forgetAuthor(authorId: string): void {
    this.sql.exec('DELETE FROM attachments WHERE author_id = ?', authorId);
  }

  /** When the oldest unsent upload was reserved; null when there is none. */
  oldestUnsent(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT min(created_at) AS at FROM attachments WHERE seq IS NULL AND state >= 0').one().at;
  }
}
