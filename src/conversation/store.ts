import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import { ATTACHMENTS_TABLE } from './attachments';
import { TRANSCRIPTS_TABLE } from '../continuity/digest-store';
import { INVITES_TABLE } from './invites';
import type { FirstResponse } from '../directory/first-response';
import type { ConversationState } from './model';
import type { AttachmentView, Author, Entry, TimelineEvent } from './protocol';

/** The conversation actor's SQLite schema, one step per version (see actor/schema.ts). */
const MIGRATIONS: string[] = [
  `CREATE TABLE conversation (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     id TEXT NOT NULL,
     state TEXT NOT NULL,
     revision INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE timeline (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('message', 'event')),
     author_id TEXT NOT NULL,
     author_kind TEXT NOT NULL,
     author_name TEXT NOT NULL,
     client_id TEXT,
     text TEXT,
     event TEXT
   );
   -- A client message id identifies a message per author: a resend finds the stored one.
   CREATE UNIQUE INDEX timeline_client_id ON timeline (author_id, client_id) WHERE client_id IS NOT NULL;
   CREATE TABLE reads (participant_id TEXT PRIMARY KEY, seq INTEGER NOT NULL);`,
  // Email continuity (C12): one alarm serves a table of due jobs (a recipient's digest, an
  // email to send); a job's key makes enqueueing it twice harmless. The ledger records per
  // recipient what emails carried and what they saw live; its handle is the small number
  // their signed reply address carries (continuity/reply-address.ts).
  `${JOBS_TABLE}
   CREATE TABLE email_recipients (
     handle INTEGER PRIMARY KEY AUTOINCREMENT,
     participant_id TEXT NOT NULL UNIQUE,
     emailed_seq INTEGER NOT NULL DEFAULT 0,
     seen_seq INTEGER NOT NULL DEFAULT 0,
     last_sent_at INTEGER
   );`,
  // Invite links (C7): each one's uses and revocation, enforced here (invites.ts).
  INVITES_TABLE,
  // Files attached to messages (docs/attachments.md): a message's own in its row, every upload in attachments.ts's table.
  ATTACHMENTS_TABLE,
  // Transcripts emailed on a resolution, once per guest (continuity/digests.ts).
  TRANSCRIPTS_TABLE,
  // Events are few among many messages: what reads only events (mentions, offers, ratings)
  // reads them alone. Inbox updates: one job for every agent whose inbox is behind, each agent's
  // row naming the change it must reflect (`wanted`); the per-agent jobs of before become that.
  `CREATE INDEX timeline_events ON timeline (seq) WHERE kind = 'event';
   CREATE TABLE inbox_pending (agent_id TEXT PRIMARY KEY, wanted INTEGER NOT NULL);
   INSERT INTO inbox_pending (agent_id, wanted) SELECT json_extract(payload, '$.agentId'), 1 FROM jobs WHERE kind = 'inbox';
   INSERT INTO jobs (key, kind, due_at, payload) SELECT 'inbox:', 'inbox', min(due_at), '{}' FROM jobs WHERE kind = 'inbox' HAVING count(*) > 0;
   DELETE FROM jobs WHERE kind = 'inbox' AND key != 'inbox:';`,
];

export const migrate = (sql: SqlStorage): void => migrateSchema(sql, MIGRATIONS);

interface EntryRow extends Record<string, SqlStorageValue> {
  seq: number;
  at: number;
  kind: 'message' | 'event';
  author_id: string;
  author_kind: Author['kind'];
  author_name: string;
  client_id: string | null;
  text: string | null;
  event: string | null;
  attachments: string | null;
}

const toEntry = (row: EntryRow): Entry => ({
  ...(row.attachments === null ? {} : { attachments: JSON.parse(row.attachments) as AttachmentView[] }),
  seq: row.seq,
  at: new Date(row.at).toISOString(),
  kind: row.kind,
  author: { id: row.author_id, kind: row.author_kind, name: row.author_name },
  clientId: row.client_id,
  text: row.text,
  event: row.event === null ? null : (JSON.parse(row.event) as TimelineEvent),
});

export interface Stored {
  id: string;
  state: ConversationState;
}

/** A participant's unread messages as last counted: `n` messages after `readSeq` through `through`. */
interface UnreadCount {
  readSeq: number;
  through: number;
  n: number;
}

type NewEntry = { at: number; author: Author; clientId?: string | null; text?: string | null; event?: TimelineEvent | null; attachments?: AttachmentView[] };

export class ConversationStore {
  // The timeline only grows, so an unread count only needs the entries since it was taken;
  // erasure (the one rewrite of old entries) and purge drop the counts.
  private readonly unread = new Map<string, UnreadCount>();

  constructor(private readonly sql: SqlStorage) {}

  /** The timeline was rewritten or emptied: every count is taken again. */
  forgetCounts(): void {
    this.unread.clear();
  }

  load(): Stored | null {
    const row = this.sql
      .exec<{ id: string; state: string }>('SELECT id, state FROM conversation')
      .toArray()[0];
    return row ? { id: row.id, state: JSON.parse(row.state) as ConversationState } : null;
  }

  create(id: string, state: ConversationState, now: number): void {
    this.sql.exec('INSERT INTO conversation (singleton, id, state, revision, created_at) VALUES (1, ?, ?, 1, ?)', id, JSON.stringify(state), now);
  }

  save(state: ConversationState): void {
    this.sql.exec('UPDATE conversation SET state = ?', JSON.stringify(state));
  }

  /** A counter that grows with every change agents' inboxes are told about, to order those updates. */
  bumpRevision(): number {
    return this.sql.exec<{ revision: number }>('UPDATE conversation SET revision = revision + 1 RETURNING revision').one().revision;
  }

  append(entry: NewEntry): Entry {
    const appended = this.appendUnlessSent(entry);
    if (!appended) throw new Error(`${entry.author.id} already sent a message with this clientId`);
    return appended;
  }

  /**
   * Appends an entry, or nothing when its author already sent a message with this clientId
   * (null). One statement instead of a lookup and an insert: the lookup cost as much as the
   * insert on every message of a busy conversation (docs/benchmarks.md, section 2).
   */
  appendUnlessSent(entry: NewEntry): Entry | null {
    const row = this.sql
      .exec<EntryRow>(
        `INSERT INTO timeline (at, kind, author_id, author_kind, author_name, client_id, text, event, attachments)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
        entry.at,
        entry.event ? 'event' : 'message',
        entry.author.id,
        entry.author.kind,
        entry.author.name,
        entry.clientId ?? null,
        entry.text ?? null,
        entry.event ? JSON.stringify(entry.event) : null,
        entry.attachments?.length ? JSON.stringify(entry.attachments) : null,
      )
      .toArray()[0];
    return row ? toEntry(row) : null;
  }

  /** The entry that made an offer; offers are few, so the timeline is searched rather than indexed. */
  offer(offerId: string): Entry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM timeline WHERE kind = 'event' AND json_extract(event, '$.type') = 'offer' AND json_extract(event, '$.offerId') = ?", offerId).toArray()[0];
    return row ? toEntry(row) : null;
  }

  /**
   * Erasure (docs/privacy.md): the author's messages become `message_deleted` events at their
   * own seq, so the timeline stays dense, and the name on whatever else they wrote or an event
   * names them in is `name`, as is `oldName` in Doorbell's own lines (meeting notes name the
   * guest); their reply addresses (their email ledger row) stop resolving. Answers the entries
   * changed now: none when run again.
   */
  eraseAuthor(authorId: string, oldName: string, name: string): { tombstones: Entry[]; renamed: Entry[] } {
    this.forgetCounts();
    const tombstones = this.sql
      .exec<EntryRow>(
        `UPDATE timeline SET kind = 'event', text = NULL, client_id = NULL, attachments = NULL, event = ?, author_name = ?
         WHERE author_id = ? AND kind = 'message' RETURNING *`,
        JSON.stringify({ type: 'message_deleted' } satisfies TimelineEvent),
        name,
        authorId,
      )
      .toArray();
    this.sql.exec('UPDATE timeline SET author_name = ? WHERE author_id = ?', name, authorId);
    for (const path of ['$.participant', '$.guest']) {
      this.sql.exec(
        `UPDATE timeline SET event = json_set(event, '${path}.name', ?) WHERE kind = 'event' AND json_extract(event, '${path}.id') = ?`,
        name,
        authorId,
      );
    }
    const renamed =
      oldName === name
        ? []
        : this.sql
            .exec<EntryRow>("UPDATE timeline SET text = replace(text, ?1, ?2) WHERE author_kind = 'system' AND instr(text, ?1) > 0 RETURNING *", oldName, name)
            .toArray();
    this.sql.exec('DELETE FROM email_recipients WHERE participant_id = ?', authorId);
    const bySeq = (rows: EntryRow[]) => rows.map(toEntry).sort((a, b) => a.seq - b.seq);
    return { tombstones: bySeq(tombstones), renamed: bySeq(renamed) };
  }

  /** The seqs of an erased author's messages. */
  tombstonesOf(authorId: string): number[] {
    return this.sql
      .exec<{ seq: number }>("SELECT seq FROM timeline WHERE author_id = ? AND kind = 'event' AND json_extract(event, '$.type') = 'message_deleted'", authorId)
      .toArray()
      .map((r) => r.seq);
  }

  findByClientId(authorId: string, clientId: string): Entry | null {
    const row = this.sql.exec<EntryRow>('SELECT * FROM timeline WHERE author_id = ? AND client_id = ?', authorId, clientId).toArray()[0];
    return row ? toEntry(row) : null;
  }

  after(seq: number, limit: number): Entry[] {
    return this.sql.exec<EntryRow>('SELECT * FROM timeline WHERE seq > ? ORDER BY seq LIMIT ?', seq, limit).toArray().map(toEntry);
  }

  /** When the latest entry was written (ms); the creation entry makes one exist. */
  lastAt(): number {
    return this.sql.exec<{ at: number | null }>('SELECT max(at) AS at FROM timeline').one().at ?? 0;
  }

  lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>('SELECT max(seq) AS seq FROM timeline').one().seq ?? 0;
  }

  /** Messages after `seq` written by neither `participantId` nor Doorbell: the latest `limit`, oldest first, and how many there are in all. */
  newsFor(participantId: string, seq: number, limit: number): { entries: Entry[]; total: number } {
    return this.latest("kind = 'message' AND author_kind != 'system' AND author_id != ? AND seq > ?", [participantId, seq], limit);
  }

  /** Messages up to `seq`: the latest `limit`, oldest first, and how many there are in all. */
  messagesThrough(seq: number, limit: number): { entries: Entry[]; total: number } {
    return this.latest("kind = 'message' AND seq <= ?", [seq], limit);
  }

  /** The latest `limit` entries matching `where`, oldest first, and how many match in all. */
  private latest(where: string, args: SqlStorageValue[], limit: number): { entries: Entry[]; total: number } {
    const total = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM timeline WHERE ${where}`, ...args).one().n;
    const latest = this.sql.exec<EntryRow>(`SELECT * FROM timeline WHERE ${where} ORDER BY seq DESC LIMIT ?`, ...args, limit).toArray();
    return { entries: latest.reverse().map(toEntry), total };
  }

  /** The ratings guests gave, newest first. */
  ratings(limit: number): Entry[] {
    return this.sql
      .exec<EntryRow>("SELECT * FROM timeline WHERE kind = 'event' AND json_extract(event, '$.type') = 'rating' ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .map(toEntry);
  }

  /**
   * When the first guest message came and the first agent message after it (ms), for "usually
   * replies in" (docs/rules.md "First response"). Both stop at their first row in seq order.
   */
  firstResponse(): FirstResponse {
    const asked = this.sql
      .exec<{ seq: number; at: number }>("SELECT seq, at FROM timeline WHERE kind = 'message' AND author_kind = 'guest' ORDER BY seq LIMIT 1")
      .toArray()[0];
    if (!asked) return { askedAt: null, answeredAt: null };
    const answered = this.sql
      .exec<{ at: number }>("SELECT at FROM timeline WHERE seq > ? AND kind = 'message' AND author_kind = 'agent' ORDER BY seq LIMIT 1", asked.seq)
      .toArray()[0];
    return { askedAt: asked.at, answeredAt: answered?.at ?? null };
  }

  lastMessage(): Entry | null {
    const row = this.sql.exec<EntryRow>("SELECT * FROM timeline WHERE kind = 'message' ORDER BY seq DESC LIMIT 1").toArray()[0];
    return row ? toEntry(row) : null;
  }

  unreadFor(participantId: string): number {
    const readSeq = this.readSeq(participantId);
    const known = this.unread.get(participantId);
    const from = known?.readSeq === readSeq ? known : { readSeq, through: readSeq, n: 0 };
    const row = this.sql
      .exec<{ n: number; last: number | null }>(
        "SELECT coalesce(sum(kind = 'message' AND author_id != ?), 0) AS n, max(seq) AS last FROM timeline WHERE seq > ?",
        participantId,
        from.through,
      )
      .one();
    const count = { readSeq, through: row.last ?? from.through, n: from.n + row.n };
    this.unread.set(participantId, count);
    return count.n;
  }

  /** Marks agents' inboxes as behind; each one's next update must reflect what is stored now. */
  inboxesBehind(agentIds: readonly string[]): void {
    for (const agentId of agentIds) {
      this.sql.exec('INSERT INTO inbox_pending (agent_id, wanted) VALUES (?, 1) ON CONFLICT (agent_id) DO UPDATE SET wanted = wanted + 1', agentId);
    }
  }

  /** The inboxes that are behind, each with the change its update must reach. */
  inboxesPending(): Array<{ agentId: string; wanted: number }> {
    return this.sql.exec<{ agent_id: string; wanted: number }>('SELECT agent_id, wanted FROM inbox_pending').toArray().map((r) => ({ agentId: r.agent_id, wanted: r.wanted }));
  }

  /** These inboxes got an update that reflects `wanted`; one marked again meanwhile stays behind. */
  inboxesCaughtUp(done: ReadonlyArray<{ agentId: string; wanted: number }>): void {
    for (const { agentId, wanted } of done) this.sql.exec('DELETE FROM inbox_pending WHERE agent_id = ? AND wanted = ?', agentId, wanted);
  }

  /**
   * The notes that mention this agent (C10 inbox "Mentions"): how many after `readSeq`, and
   * the latest one's seq; null when none ever did. Mentions live only in note events.
   */
  mentionsOf(agentId: string, readSeq: number): { unread: number; lastSeq: number } | null {
    const row = this.sql
      .exec<{ unread: number; last: number | null }>(
        `SELECT coalesce(sum(t.seq > ?), 0) AS unread, max(t.seq) AS last
         FROM timeline t JOIN json_each(t.event, '$.mentions') m
         WHERE t.kind = 'event' AND json_extract(m.value, '$.id') = ?`,
        readSeq,
        agentId,
      )
      .one();
    return row.last === null ? null : { unread: row.unread, lastSeq: row.last };
  }

  /** Every agent a note ever mentioned. */
  mentionedAgents(): string[] {
    return this.sql
      .exec<{ id: string }>(
        `SELECT DISTINCT json_extract(m.value, '$.id') AS id FROM timeline t JOIN json_each(t.event, '$.mentions') m WHERE t.kind = 'event'`,
      )
      .toArray()
      .map((r) => r.id);
  }

  readSeq(participantId: string): number {
    return this.sql.exec<{ seq: number }>('SELECT seq FROM reads WHERE participant_id = ?', participantId).toArray()[0]?.seq ?? 0;
  }

  readPositions(): Map<string, number> {
    return new Map(this.sql.exec<{ participant_id: string; seq: number }>('SELECT * FROM reads').toArray().map((r) => [r.participant_id, r.seq]));
  }

  /** Read positions only move forward; returns whether this one did. */
  markRead(participantId: string, seq: number): boolean {
    const before = this.readSeq(participantId);
    const capped = Math.min(seq, this.lastSeq());
    if (capped <= before) return false;
    this.sql.exec('INSERT INTO reads (participant_id, seq) VALUES (?, ?) ON CONFLICT (participant_id) DO UPDATE SET seq = excluded.seq', participantId, capped);
    return true;
  }
}
